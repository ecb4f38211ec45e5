import { isErrorCode, RedbackError } from '../../shared/errors/index.js';
import { formatBytes, formatKeys, printJson } from '../../shared/output/format.js';
import { byteProgress } from '../../shared/output/progress.js';
import type { ConnectionFlags } from '../rpc/control-client.js';
import { timeoutFlagMs, withClient } from './command-helpers.js';
import type { JobView } from './operator-views.js';

export interface CopyFlags extends ConnectionFlags {
  backup?: string;
  toAgent?: string;
  instance?: string;
  fromAgent?: string;
  toInstance?: string;
  timeout?: string;
}

/**
 * `redback copy --backup ID --to-agent AGENT`: the coordinator relays the copy from an agent that
 * holds it into AGENT's backup directory (checked there: size, SHA-256, CRC-64); a progress bar
 * follows the receiving job. A failed transfer exits with the job's error code (18: TRANSFER_FAILED).
 */
export async function runCopy(flags: CopyFlags): Promise<number> {
  if (!flags.backup || !flags.toAgent) {
    throw new RedbackError('USAGE', 'name the copy with --backup ID and the receiving agent with --to-agent AGENT', {
      hint: 'redback copy --backup 20261124T031500Z-3fa9c1 --to-agent host2',
    });
  }
  const timeoutMs = timeoutFlagMs(flags.timeout);
  const json = flags.json === true;
  return withClient(flags, async (client) => {
    const started = await client.copyBackup({
      backupId: flags.backup!,
      toAgent: flags.toAgent!,
      ...(flags.instance ? { instance: flags.instance } : {}),
      ...(flags.fromAgent ? { fromAgent: flags.fromAgent } : {}),
      ...(flags.toInstance ? { toInstance: flags.toInstance } : {}),
      timeoutMs,
    });
    const job = started.receiveJob;
    const progress = byteProgress(!json, `copy ${flags.backup} ${started.sourceAgentId} → ${job.agentId}`);
    if (!json) progress.line(`copy ${flags.backup} (${formatBytes(started.bytes)}): ${started.sourceAgentId} → ${job.agentId}/${job.instance}, transfer ${started.transferId}`);
    let last: JobView = job;
    try {
      await client.watchJob(job.jobId, (event) => {
        if (!event.job) return;
        last = event.job;
        if (event.job.total > 0) progress.update(event.job.done, event.job.total, event.job.phase);
      });
    } finally {
      progress.stop();
    }
    if (last.state === 'succeeded') {
      const result = (last.result ?? {}) as { manifest?: { id: string; instance: string; tier: string; bytes: number; sha256: string; keys: Record<string, number> }; path?: string; ms?: number };
      if (json) printJson({ transferId: started.transferId, sourceAgentId: started.sourceAgentId, targetAgentId: last.agentId, job: last, ...result });
      else {
        const m = result.manifest;
        process.stdout.write(
          m
            ? `copy ${m.id} is on ${last.agentId} (${m.instance}/${m.tier}): ${formatBytes(m.bytes)}, ${formatKeys(m.keys)}, sha256 ${m.sha256.slice(0, 16)}… verified\n`
            : `job ${last.jobId} succeeded\n`,
        );
      }
      return 0;
    }
    const code = last.errorCode && isErrorCode(last.errorCode) ? last.errorCode : 'JOB_FAILED';
    throw new RedbackError(code, `copy ${flags.backup} to ${last.agentId} ${last.state}: ${last.errorMessage || 'no detail'}`, last.errorHint ? { hint: last.errorHint } : {});
  });
}
