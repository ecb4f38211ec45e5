// Original file: proto/redback/v1/control.proto

import type { RestoreCandidate as _redback_v1_RestoreCandidate, RestoreCandidate__Output as _redback_v1_RestoreCandidate__Output } from '../../redback/v1/RestoreCandidate.js';
import type { JobInfo as _redback_v1_JobInfo, JobInfo__Output as _redback_v1_JobInfo__Output } from '../../redback/v1/JobInfo.js';

export interface RestorePlan {
  /**
   * AGENT/NAME whose data is restored (recover: the instance).
   */
  'instance'?: (string);
  /**
   * AGENT/NAME restored into.
   */
  'target'?: (string);
  /**
   * The chosen copy (restore); unset for recover (the agent's diagnosis chooses).
   */
  'source'?: (_redback_v1_RestoreCandidate | null);
  /**
   * Every candidate considered, in the order of preference.
   */
  'candidates'?: (_redback_v1_RestoreCandidate)[];
  /**
   * Data lost: the writes since the chosen copy's snapshot.
   */
  'dataLossSince'?: (string);
  'dataLossSeconds'?: (number | string);
  'notes'?: (string)[];
  /**
   * The target agent's dry run: its diagnosis, runbook and steps in result_json.
   */
  'dryRun'?: (_redback_v1_JobInfo | null);
  'withConfig'?: (boolean);
}

export interface RestorePlan__Output {
  /**
   * AGENT/NAME whose data is restored (recover: the instance).
   */
  'instance': (string);
  /**
   * AGENT/NAME restored into.
   */
  'target': (string);
  /**
   * The chosen copy (restore); unset for recover (the agent's diagnosis chooses).
   */
  'source': (_redback_v1_RestoreCandidate__Output | null);
  /**
   * Every candidate considered, in the order of preference.
   */
  'candidates': (_redback_v1_RestoreCandidate__Output)[];
  /**
   * Data lost: the writes since the chosen copy's snapshot.
   */
  'dataLossSince': (string);
  'dataLossSeconds': (number);
  'notes': (string)[];
  /**
   * The target agent's dry run: its diagnosis, runbook and steps in result_json.
   */
  'dryRun': (_redback_v1_JobInfo__Output | null);
  'withConfig': (boolean);
}
