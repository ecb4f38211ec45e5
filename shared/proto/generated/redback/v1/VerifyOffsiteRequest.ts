// Original file: proto/redback/v1/control.proto


export interface VerifyOffsiteRequest {
  'instance'?: (string);
  'setId'?: (string);
  /**
   * 0 = manifests and sizes only; 100 = read every object; between: that share of each set's objects (the RDB always).
   */
  'readDataPercent'?: (number);
}

export interface VerifyOffsiteRequest__Output {
  'instance': (string);
  'setId': (string);
  /**
   * 0 = manifests and sizes only; 100 = read every object; between: that share of each set's objects (the RDB always).
   */
  'readDataPercent': (number);
}
