// Original file: proto/redback/v1/control.proto


export interface ListAgentsRequest {
}

export interface ListAgentsRequest__Output {
}
