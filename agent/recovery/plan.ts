import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import type { AgentContext } from '../agent-context.js';
import type { RunJournal } from '../runbooks/journal.js';
import { DEFAULT_RECOVERY_TIMEOUTS, type LastSeenSummary, type RecoveryDeps } from '../runbooks/recovery-steps.js';
import { repairAofRunbook, repairAofState, type RepairAofState } from '../runbooks/repair-aof.js';
import { restartRunbook, restartState, type RestartState } from '../runbooks/restart.js';
import { restoreLocalRunbook, restoreLocalState, type RestoreLocalState } from '../runbooks/restore-local.js';
import { planOf, type PlannedStep, type Runbook, type RunbookName } from '../runbooks/runbook.js';
import type { Diagnosis } from './diagnose.js';
import { controllerFor } from './instance-control.js';
import type { PlanFacts } from './plan-facts.js';
import { openRestoreSource } from './sources.js';

export type RecoveryState = RestartState | RepairAofState | RestoreLocalState;

export interface RecoveryPlan {
  name: RunbookName;
  summary: string;
  /** Why this runbook (the diagnosis' reason, or "requested with --runbook"). */
  reason: string;
  runbook: Runbook<RecoveryState>;
  state: RecoveryState;
  steps: PlannedStep[];
}

export interface PlanOptions {
  /** Force a runbook instead of the diagnosis' choice. */
  runbook?: RunbookName;
  timeouts?: Partial<RecoveryDeps['timeouts']>;
  /** Also restore redis.conf and the ACL file from the source (offsite sets carry them). */
  withConfig?: boolean;
}

export const RECOVERY_RUNBOOKS: readonly RunbookName[] = ['restart', 'repair-aof', 'restore-local', 'restore-offsite'];

/** The runbook and initial state that fix what the diagnosis found; null when none applies. */
export async function planRecovery(ctx: AgentContext, instance: InstanceConfig, diagnosis: Diagnosis, options: PlanOptions = {}): Promise<RecoveryPlan | null> {
  const name = options.runbook ?? diagnosis.runbook;
  if (!name) return null;
  if (!RECOVERY_RUNBOOKS.includes(name)) {
    throw new RedbackError('USAGE', `runbook ${name} is not available on the agent yet`, { hint: `use one of: ${RECOVERY_RUNBOOKS.join(', ')}` });
  }
  const facts: PlanFacts = diagnosis.facts;
  const lastSeen = summaryOf(diagnosis);
  const deps = depsFor(ctx, instance, facts, options.timeouts);
  const reason = options.runbook && options.runbook !== diagnosis.runbook ? `requested with --runbook ${options.runbook} (the diagnosis chose ${diagnosis.runbook ?? 'none'}: ${diagnosis.reason})` : diagnosis.reason;
  let runbook: Runbook<RecoveryState>;
  let state: RecoveryState;
  switch (name) {
    case 'restart':
      runbook = restartRunbook(deps) as Runbook<RecoveryState>;
      state = restartState(facts, lastSeen);
      break;
    case 'repair-aof':
      if (!diagnosis.aof.manifestExists) {
        throw new RedbackError('USAGE', `${instance.name} has no AOF manifest (${facts.manifestPath}): there is nothing for repair-aof to repair`, {
          hint: 'run recover without --runbook to see what it suggests',
        });
      }
      runbook = repairAofRunbook(deps) as Runbook<RecoveryState>;
      state = repairAofState(facts, lastSeen, diagnosis.alternative);
      break;
    default: {
      if (!diagnosis.source) {
        throw new RedbackError('NOT_FOUND', `no valid RDB to restore ${instance.name} from: ${diagnosis.candidates.map((c) => `${c.label}: ${c.why ?? 'not verified'}`).join('; ') || 'no dump.rdb and no local copies'}`, {
          hint: 'take copies with redback agent snapshot (and offsite sets with redback agent upload) while the instance is healthy',
        });
      }
      const source = await openRestoreSource(ctx, instance, diagnosis.source.descriptor);
      // One restore runbook; restore-offsite is its name when the RDB comes from an offsite set.
      runbook = { ...restoreLocalRunbook(deps, source, { withConfig: options.withConfig === true }), name } as Runbook<RecoveryState>;
      state = restoreLocalState(facts, lastSeen, source, { withConfig: options.withConfig === true });
    }
  }
  return { name, summary: runbook.summary, reason, runbook, state, steps: planOf(runbook, state) };
}

/** The runbook of an unfinished journal, rebuilt from the facts and source it recorded. */
export async function runbookForJournal(ctx: AgentContext, instance: InstanceConfig, journal: RunJournal, timeouts?: Partial<RecoveryDeps['timeouts']>): Promise<Runbook<RecoveryState>> {
  const state = journal.state as RecoveryState;
  const deps = depsFor(ctx, instance, state.facts, timeouts);
  switch (journal.runbook) {
    case 'restart':
      return restartRunbook(deps) as Runbook<RecoveryState>;
    case 'repair-aof':
      return repairAofRunbook(deps) as Runbook<RecoveryState>;
    case 'restore-local':
    case 'restore-offsite': {
      const s = state as RestoreLocalState;
      // The source is only read by fetch-and-verify; a source that is gone must not block a rollback.
      const source = await openRestoreSource(ctx, instance, s.source).catch(() => null);
      return { ...restoreLocalRunbook(deps, source, { withConfig: s.withConfig === true }), name: journal.runbook } as Runbook<RecoveryState>;
    }
    default:
      throw new RedbackError('USAGE', `journal ${journal.runId} is for runbook ${journal.runbook}, which this agent cannot run`);
  }
}

function depsFor(ctx: AgentContext, instance: InstanceConfig, facts: PlanFacts, timeouts?: Partial<RecoveryDeps['timeouts']>): RecoveryDeps {
  return {
    ctx,
    instance,
    controller: controllerFor(ctx, instance, facts),
    timeouts: { ...DEFAULT_RECOVERY_TIMEOUTS, ...timeouts },
  };
}

/** The latest observation, unless it was empty and an earlier one had keys (a restart that came back empty). */
function summaryOf(diagnosis: Diagnosis): LastSeenSummary | null {
  const seen = diagnosis.lastSeen && diagnosis.lastSeen.keys > 0 ? diagnosis.lastSeen : (diagnosis.lastNonEmpty ?? diagnosis.lastSeen);
  return seen ? { at: seen.at, keys: seen.keys, keyspace: seen.keyspace } : null;
}
