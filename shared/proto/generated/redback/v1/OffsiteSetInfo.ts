// Original file: proto/redback/v1/control.proto

import type { OffsiteObjectInfo as _redback_v1_OffsiteObjectInfo, OffsiteObjectInfo__Output as _redback_v1_OffsiteObjectInfo__Output } from '../../redback/v1/OffsiteObjectInfo.js';
import type { Long } from '@grpc/proto-loader';

export interface OffsiteSetInfo {
  'agentId'?: (string);
  'instance'?: (string);
  'setId'?: (string);
  'createdAt'?: (string);
  /**
   * complete | incomplete
   */
  'state'?: (string);
  'plainBytes'?: (number | string | Long);
  'storedBytes'?: (number | string | Long);
  'objectCount'?: (number);
  'redisVersion'?: (string);
  'keys'?: ({[key: string]: number | string | Long});
  'encrypted'?: (boolean);
  /**
   * never | ok | failed
   */
  'verifyState'?: (string);
  'verifiedAt'?: (string);
  'verifyDetail'?: (string);
  'objects'?: (_redback_v1_OffsiteObjectInfo)[];
  'host'?: (string);
}

export interface OffsiteSetInfo__Output {
  'agentId': (string);
  'instance': (string);
  'setId': (string);
  'createdAt': (string);
  /**
   * complete | incomplete
   */
  'state': (string);
  'plainBytes': (number);
  'storedBytes': (number);
  'objectCount': (number);
  'redisVersion': (string);
  'keys': ({[key: string]: number});
  'encrypted': (boolean);
  /**
   * never | ok | failed
   */
  'verifyState': (string);
  'verifiedAt': (string);
  'verifyDetail': (string);
  'objects': (_redback_v1_OffsiteObjectInfo__Output)[];
  'host': (string);
}
