// Original file: proto/redback/v1/control.proto


export interface ListJobsRequest {
  'instance'?: (string);
  'state'?: (string);
  'limit'?: (number);
  /**
   * Paging: at most page_size items (0 = the server's default), continuing after page_token.
   */
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListJobsRequest__Output {
  'instance': (string);
  'state': (string);
  'limit': (number);
  /**
   * Paging: at most page_size items (0 = the server's default), continuing after page_token.
   */
  'pageSize': (number);
  'pageToken': (string);
}
