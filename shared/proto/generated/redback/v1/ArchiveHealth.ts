// Original file: proto/redback/v1/agent.proto

import type { ArchiveCoverage as _redback_v1_ArchiveCoverage, ArchiveCoverage__Output as _redback_v1_ArchiveCoverage__Output } from '../../redback/v1/ArchiveCoverage.js';
import type { ArchiveGapInfo as _redback_v1_ArchiveGapInfo, ArchiveGapInfo__Output as _redback_v1_ArchiveGapInfo__Output } from '../../redback/v1/ArchiveGapInfo.js';
import type { Long } from '@grpc/proto-loader';

/**
 * The continuous AOF archive of one instance, as the archiver's last round saw it.
 */
export interface ArchiveHealth {
  'enabled'?: (boolean);
  /**
   * ok | lagging | gap | error | starting
   */
  'state'?: (string);
  /**
   * Seconds since every AOF byte was last offsite (the archive's recovery point right now).
   */
  'lagSeconds'?: (number | string);
  /**
   * AOF bytes written and not shipped yet (at the end of the last round).
   */
  'lagBytes'?: (number | string | Long);
  'epoch'?: (string);
  'coverage'?: (_redback_v1_ArchiveCoverage)[];
  'gaps'?: (_redback_v1_ArchiveGapInfo)[];
  'error'?: (string);
  'checkedAt'?: (string);
  'intervalMs'?: (number | string | Long);
  'shippedBytes'?: (number | string | Long);
  'uploadedBytes'?: (number | string | Long);
}

/**
 * The continuous AOF archive of one instance, as the archiver's last round saw it.
 */
export interface ArchiveHealth__Output {
  'enabled': (boolean);
  /**
   * ok | lagging | gap | error | starting
   */
  'state': (string);
  /**
   * Seconds since every AOF byte was last offsite (the archive's recovery point right now).
   */
  'lagSeconds': (number);
  /**
   * AOF bytes written and not shipped yet (at the end of the last round).
   */
  'lagBytes': (number);
  'epoch': (string);
  'coverage': (_redback_v1_ArchiveCoverage__Output)[];
  'gaps': (_redback_v1_ArchiveGapInfo__Output)[];
  'error': (string);
  'checkedAt': (string);
  'intervalMs': (number);
  'shippedBytes': (number);
  'uploadedBytes': (number);
}
