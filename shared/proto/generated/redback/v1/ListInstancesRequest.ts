// Original file: proto/redback/v1/control.proto


export interface ListInstancesRequest {
  /**
   * Paging: at most page_size items (0 = the server's default), continuing after page_token.
   */
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListInstancesRequest__Output {
  /**
   * Paging: at most page_size items (0 = the server's default), continuing after page_token.
   */
  'pageSize': (number);
  'pageToken': (string);
}
