// Original file: proto/redback/v1/control.proto


export interface ListAgentsRequest {
  /**
   * Paging: at most page_size items (0 = the server's default), continuing after page_token.
   */
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListAgentsRequest__Output {
  /**
   * Paging: at most page_size items (0 = the server's default), continuing after page_token.
   */
  'pageSize': (number);
  'pageToken': (string);
}
