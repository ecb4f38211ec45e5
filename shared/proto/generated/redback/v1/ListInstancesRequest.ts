// Original file: proto/redback/v1/control.proto


export interface ListInstancesRequest {
}

export interface ListInstancesRequest__Output {
}
