// Original file: proto/redback/v1/control.proto


export interface PoliciesRequest {
  /**
   * Empty = every instance; NAME or AGENT/NAME.
   */
  'instance'?: (string);
}

export interface PoliciesRequest__Output {
  /**
   * Empty = every instance; NAME or AGENT/NAME.
   */
  'instance': (string);
}
