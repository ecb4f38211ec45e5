// Original file: proto/redback/v1/control.proto


export interface ListBackupsRequest {
  'instance'?: (string);
  'includeGone'?: (boolean);
  /**
   * Paging: at most page_size items (0 = the server's default), continuing after page_token.
   */
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListBackupsRequest__Output {
  'instance': (string);
  'includeGone': (boolean);
  /**
   * Paging: at most page_size items (0 = the server's default), continuing after page_token.
   */
  'pageSize': (number);
  'pageToken': (string);
}
