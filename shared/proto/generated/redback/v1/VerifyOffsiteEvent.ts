// Original file: proto/redback/v1/control.proto

import type { VerifyProgress as _redback_v1_VerifyProgress, VerifyProgress__Output as _redback_v1_VerifyProgress__Output } from '../../redback/v1/VerifyProgress.js';
import type { SetVerifyResult as _redback_v1_SetVerifyResult, SetVerifyResult__Output as _redback_v1_SetVerifyResult__Output } from '../../redback/v1/SetVerifyResult.js';

export interface VerifyOffsiteEvent {
  'progress'?: (_redback_v1_VerifyProgress | null);
  'result'?: (_redback_v1_SetVerifyResult | null);
  'body'?: "progress"|"result";
}

export interface VerifyOffsiteEvent__Output {
  'progress'?: (_redback_v1_VerifyProgress__Output | null);
  'result'?: (_redback_v1_SetVerifyResult__Output | null);
  'body'?: "progress"|"result";
}
