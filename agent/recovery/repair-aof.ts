import { RedbackError } from '../../shared/errors/index.js';
import { formatBytes } from '../../shared/output/format.js';
import { checkAof, fixAof } from '../aof/check-aof.js';
import type { PlanFacts } from './plan-facts.js';
import { runQuarantineDir } from './quarantine.js';
import { confirmStep, emptyReport, restartIfStarted, startStep, trapGuardStep, waitLoadedStep, type LastSeenSummary, type RecoveryDeps, type RecoveryState } from './recovery-steps.js';
import type { Runbook, Step } from '../runbooks/runbook.js';

export type RepairAofState = RecoveryState & {
  kind: 'repair-aof';
  /** What a restore would cost instead, e.g. `restore-local from local copy X taken 2h13m ago`. */
  alternative: string | null;
};

export function repairAofState(facts: PlanFacts, lastSeen: LastSeenSummary | null, alternative: string | null): RepairAofState {
  return { kind: 'repair-aof', facts, lastSeen, alternative, report: emptyReport() };
}

/**
 * S9, the machine crashed and the AOF's last file has a torn tail: redis-check-aof on the
 * manifest; when the LAST file is truncated, keep a copy of it, run --fix (answering its prompt),
 * report the bytes cut, then start and confirm. Damage in an earlier file cannot be repaired: the
 * run stops and says which restore would lose how much. The copy of the original file stays in
 * the run's quarantine folder, so the fix is not rolled back (the fixed AOF is a clean prefix).
 */
export function repairAofRunbook(deps: RecoveryDeps): Runbook<RepairAofState> {
  return {
    name: 'repair-aof',
    summary: 'repair a torn AOF tail with redis-check-aof --fix (original kept), then start redis',
    steps: [trapGuardStep(deps), ensureStoppedStep(deps), fixStep(), startStep(deps), waitLoadedStep(deps), confirmStep(deps)],
    beforeResume: restartIfStarted(deps),
  };
}

function ensureStoppedStep(deps: RecoveryDeps): Step<RepairAofState> {
  return {
    name: 'ensure-stopped',
    describe: () => 'make sure redis is not running (it appends to the AOF while it runs)',
    run: async (s, env) => {
      if (await deps.controller.isRunning()) {
        if (s.report.aofFix) return env.note('redis runs (started by this run before it was interrupted)');
        throw new RedbackError('UNSAFE_REFUSED', `redis ${s.facts.instance} is running: redback does not repair an AOF that Redis is appending to`, {
          hint: 'a running redis has loaded its AOF already; if data is missing, run redback agent recover to diagnose',
        });
      }
      env.note('redis is not running');
    },
  };
}

function fixStep(): Step<RepairAofState> {
  return {
    name: 'fix-aof',
    describe: (s) =>
      `redis-check-aof ${s.facts.manifestPath}; if the last file is truncated: copy it to ${s.facts.dir}/redback-quarantine/<run>/, run --fix (answering y), report the bytes cut; damage in an earlier file stops here`,
    run: async (s, env) => {
      const quarantine = (s.report.quarantineDir ??= runQuarantineDir(s.facts.dir, env.runId));
      const check = await checkAof(s.facts.manifestPath);
      if (check.ok) {
        env.note(s.report.aofFix ? `AOF valid (fixed earlier in this run: ${s.report.aofFix.bytesCut} bytes cut)` : `AOF is already valid: ${check.message}`);
        return;
      }
      if (check.status !== 'truncated-last-file') {
        const instead = s.alternative ?? 'no local RDB copy exists to restore from';
        throw new RedbackError('AOF_CORRUPT', `cannot repair the AOF of ${s.facts.instance}: ${check.message}. Instead: ${instead}`, {
          hint: s.alternative
            ? `run "redback agent recover --instance ${s.facts.instance} --runbook restore-local" (${s.alternative}); nothing was changed`
            : 'no RDB to restore from on this host: fetch an offsite copy, or repair the AOF by hand; nothing was changed',
          details: { status: check.status, damage: check.damage, missingFiles: check.missingFiles },
        });
      }
      const fixed = await fixAof(s.facts.manifestPath, quarantine);
      s.report.aofFix = {
        file: fixed.fixedFile ?? '',
        bytesCut: fixed.bytesCut,
        bytesBefore: fixed.bytesBefore,
        bytesAfter: fixed.bytesAfter,
        originalCopy: fixed.backupFolder,
      };
      await env.checkpoint();
      env.note(`redis-check-aof --fix cut ${fixed.bytesCut} bytes (${formatBytes(fixed.bytesCut)}) off ${fixed.fixedFile}: ${fixed.bytesBefore} → ${fixed.bytesAfter} bytes`);
      env.note(`the original ${fixed.fixedFile} is kept in ${fixed.backupFolder}`);
      if (fixed.bytesCut > 4096) env.warn(`${fixed.bytesCut} bytes were cut from ${fixed.fixedFile}: more than a torn last command; the original is in ${fixed.backupFolder}`);
    },
  };
}
