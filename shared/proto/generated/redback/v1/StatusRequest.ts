// Original file: proto/redback/v1/control.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
