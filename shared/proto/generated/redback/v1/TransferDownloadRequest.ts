// Original file: proto/redback/v1/transfer.proto


export interface TransferDownloadRequest {
  'transferId'?: (string);
}

export interface TransferDownloadRequest__Output {
  'transferId': (string);
}
