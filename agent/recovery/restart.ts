import { RedbackError } from '../../shared/errors/index.js';
import { exists } from '../../shared/fs/durable.js';
import { checkAof } from '../aof/check-aof.js';
import type { PlanFacts } from './plan-facts.js';
import { confirmStep, emptyReport, restartIfStarted, startStep, trapGuardStep, waitLoadedStep, type LastSeenSummary, type RecoveryDeps, type RecoveryState } from './recovery-steps.js';
import type { Runbook, Step } from '../runbooks/runbook.js';

export type RestartState = RecoveryState & { kind: 'restart' };

export function restartState(facts: PlanFacts, lastSeen: LastSeenSummary | null): RestartState {
  return { kind: 'restart', facts, lastSeen, report: emptyReport() };
}

/**
 * S8, the process crashed: start Redis again and let it load its own files. Guarded: refuses when
 * the AOF trap would spring, and when the AOF redis-check-aof finds damaged (repair-aof is then
 * the runbook). Nothing is moved or rewritten, so there is nothing to roll back.
 */
export function restartRunbook(deps: RecoveryDeps): Runbook<RestartState> {
  return {
    name: 'restart',
    summary: 'start redis again and let it load its AOF (or RDB); confirm the data came back',
    steps: [trapGuardStep(deps), checkFilesStep(), startStep(deps), waitLoadedStep(deps), confirmStep(deps)],
    beforeResume: restartIfStarted(deps),
  };
}

/** With appendonly yes, redis-check-aof must find the AOF valid; with no, note what Redis loads. */
export function checkFilesStep<S extends RecoveryState>(): Step<S> {
  return {
    name: 'check-aof',
    describe: (s) =>
      s.facts.appendonly === false ? `appendonly is no: redis will load ${s.facts.rdbFile}` : `redis-check-aof ${s.facts.manifestPath}: the AOF must be valid`,
    run: async (s, env) => {
      if (s.facts.appendonly === false) {
        if (await exists(s.facts.rdbFile)) env.note(`appendonly no: redis loads ${s.facts.rdbFile}`);
        else env.warn(`appendonly no and ${s.facts.rdbFile} does not exist: redis will start empty`);
        return;
      }
      const result = await checkAof(s.facts.manifestPath);
      if (!result.ok) {
        throw new RedbackError('AOF_CORRUPT', `the AOF of ${s.facts.instance} is not valid: ${result.message}`, {
          hint: `run "redback agent recover --instance ${s.facts.instance}": it picks repair-aof or a restore`,
          details: { status: result.status, damage: result.damage },
        });
      }
      env.note(result.message);
    },
  };
}
