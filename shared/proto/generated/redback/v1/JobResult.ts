// Original file: proto/redback/v1/agent.proto


export interface JobResult {
  'jobId'?: (string);
  'ok'?: (boolean);
  'errorCode'?: (string);
  'errorMessage'?: (string);
  'errorHint'?: (string);
  /**
   * Command-specific result (e.g. the new copy's manifest), JSON.
   */
  'resultJson'?: (string);
}

export interface JobResult__Output {
  'jobId': (string);
  'ok': (boolean);
  'errorCode': (string);
  'errorMessage': (string);
  'errorHint': (string);
  /**
   * Command-specific result (e.g. the new copy's manifest), JSON.
   */
  'resultJson': (string);
}
