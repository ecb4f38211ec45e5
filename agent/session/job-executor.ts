import { RedbackError } from '../../shared/errors/index.js';
import { parseTier } from '../../shared/manifest/copy-manifest.js';
import { policySettingsProblem } from '../../shared/policy/persistence-policy.js';
import type { AgentContext } from '../agent-context.js';
import { findInstance } from '../agent-context.js';
import type { InstanceQueue } from '../daemon/instance-queue.js';
import { applyPolicy } from '../policy/apply-policy.js';
import { connectRedis } from '../redis/redis-client.js';
import { openOffsite, uploadWithConfig } from '../offsite/offsite-session.js';
import { pruneInstance } from '../retention/prune.js';
import { ensureDailyCopy, takeSnapshot } from '../snapshot/take-snapshot.js';
import { verifyCopies } from '../snapshot/verify-copies.js';
import { withInstance } from '../store/instance-guard.js';
import { parseRestoreJobArgs, runRestoreJob } from '../recovery/restore-job.js';
import { receiveCopy } from '../transfer/receive-copy.js';
import { sendCopy } from '../transfer/send-copy.js';
import { drillJob } from '../drill/drill-job.js';

export interface JobContext {
  report(phase: string, done: number, total: number, message?: string): void;
  signal: AbortSignal;
}

/**
 * Runs one command from the coordinator and returns its JSON-able result. The work goes through
 * the daemon's per-instance queue, so a job and a scheduled copy of the same instance never
 * overlap. Job types: snapshot {tier}, daily, prune {dryRun}, verify, policy-apply {settings, dryRun},
 * upload (an offsite set now), restore {backup | before, from, withConfig, dryRun} and recover
 * {dryRun} (the one restore runbook / the diagnosis and its runbook: agent/recovery/restore-job.ts),
 * send-copy {transferId, backupId} and receive-copy {transferId,
 * backupId, sha256} (a copy moving to another agent through the coordinator: agent/transfer/).
 * Transfers do not wait in the instance queue: a long one must not hold back scheduled copies.
 * drill {targetInstance, backupId, source} (a restore drill: agent/drill/).
 */
export async function executeJob(
  ctx: AgentContext,
  queue: InstanceQueue,
  command: { type: string; instance: string; args: Record<string, unknown> },
  job: JobContext,
): Promise<unknown> {
  const instance = findInstance(ctx.config, command.instance);
  switch (command.type) {
    case 'snapshot': {
      const tier = parseTier(String(command.args.tier ?? 'manual'));
      return queue.run(instance.name, async () => {
        job.report('bgsave', 0, 0, 'waiting for BGSAVE');
        const outcome = await takeSnapshot(ctx, instance, {
          tier,
          signal: job.signal,
          onProgress: (phase, done, total) => job.report(phase, done, total),
        });
        return { manifest: outcome.manifest, pruned: outcome.prune.deleted, bgsaveMs: outcome.bgsaveMs, copyMs: outcome.copyMs };
      });
    }
    case 'daily':
      return queue.run(instance.name, () => ensureDailyCopy(ctx, instance, { signal: job.signal }));
    case 'prune':
      return queue.run(instance.name, async () => {
        const outcome = await pruneInstance(ctx, instance, command.args.dryRun === true);
        return { ...outcome, decisions: outcome.decisions.map((d) => ({ ...d, createdAt: d.createdAt.toISOString() })) };
      });
    case 'verify':
      return queue.run(instance.name, () =>
        withInstance(ctx, instance.name, 'verify', async () => {
          const { copies } = await ctx.store.inventory(instance.name);
          const results = await verifyCopies(copies, (copy, done, total) => job.report(`verify ${copy.manifest.id}`, done, total));
          return { ok: results.every((r) => r.ok), results };
        }),
      );
    case 'policy-apply': {
      const problem = policySettingsProblem(command.args.settings);
      if (problem) throw new RedbackError('USAGE', `policy-apply refused: ${problem}`, { hint: 'only persistence settings can be applied through a policy' });
      const settings = command.args.settings as Record<string, string>;
      return queue.run(instance.name, async () => {
        const redis = await connectRedis(instance, { commandTimeoutMs: 30_000 });
        try {
          return await applyPolicy(redis, instance.name, settings, {
            dryRun: command.args.dryRun === true,
            signal: job.signal,
            onPhase: (phase, message) => job.report(phase, 0, 0, message),
          });
        } finally {
          await redis.close();
        }
      });
    }
    case 'upload':
      return queue.run(instance.name, async () => {
        const access = await openOffsite(ctx);
        job.report('pin', 0, 0, 'pinning the RDB, AOF and config files');
        const outcome = await uploadWithConfig(ctx, instance, access, { signal: job.signal, onProgress: (phase, done, total) => job.report(phase, done, total) });
        return { manifest: outcome.manifest, plainBytes: outcome.plainBytes, storedBytes: outcome.storedBytes, ms: outcome.ms, cleanedIncomplete: outcome.cleaned.map((c) => c.setId) };
      });
    case 'restore':
    case 'recover': {
      const args = parseRestoreJobArgs(command.args);
      if (command.type === 'recover' && (args.backup || args.before || args.from)) {
        throw new RedbackError('USAGE', 'a recover job takes no source: the diagnosis chooses it', { hint: 'use a restore job to name a copy' });
      }
      return queue.run(instance.name, () => runRestoreJob(ctx, instance, command.type as 'restore' | 'recover', args, job.report));
    }
    case 'send-copy':
      return sendCopy(ctx, instance, command.args, job);
    case 'receive-copy':
      return receiveCopy(ctx, instance, command.args, job);
    case 'drill':
      return drillJob(ctx, queue, instance.name, command.args, job);
    default:
      throw new RedbackError('USAGE', `this agent does not know job type "${command.type}"`, { hint: 'upgrade the agent' });
  }
}
