// Original file: proto/redback/v1/control.proto


export interface PolicySetting {
  /**
   * redis.conf name, e.g. appendfsync.
   */
  'key'?: (string);
  'want'?: (string);
  /**
   * What the instance runs with; meaningful when reported is true.
   */
  'actual'?: (string);
  'reported'?: (boolean);
  'drift'?: (boolean);
}

export interface PolicySetting__Output {
  /**
   * redis.conf name, e.g. appendfsync.
   */
  'key': (string);
  'want': (string);
  /**
   * What the instance runs with; meaningful when reported is true.
   */
  'actual': (string);
  'reported': (boolean);
  'drift': (boolean);
}
