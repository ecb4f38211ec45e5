// Original file: proto/redback/v1/control.proto


export interface ListOffsiteSetsRequest {
  'instance'?: (string);
  'includeObjects'?: (boolean);
  /**
   * 90+: paging, like ListBackups: at most page_size sets (0 = the server's default), newest
   * first, continuing after page_token (keyset: a set uploaded meanwhile never shifts a page).
   */
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListOffsiteSetsRequest__Output {
  'instance': (string);
  'includeObjects': (boolean);
  /**
   * 90+: paging, like ListBackups: at most page_size sets (0 = the server's default), newest
   * first, continuing after page_token (keyset: a set uploaded meanwhile never shifts a page).
   */
  'pageSize': (number);
  'pageToken': (string);
}
