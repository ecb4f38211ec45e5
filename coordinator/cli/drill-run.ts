import type { DrillResult } from '../../shared/drill/drill-result.js';
import { isErrorCode, RedbackError } from '../../shared/errors/index.js';
import { formatBytes, formatKeys, printJson } from '../../shared/output/format.js';
import { formatDuration } from '../../shared/time/clock.js';
import type { ConnectionFlags } from '../rpc/control-client.js';
import { timeoutFlagMs, withClient } from './command-helpers.js';
import type { InstanceStatusView, JobView } from './operator-views.js';

export interface DrillFlags extends ConnectionFlags {
  instance?: string;
  targetInstance?: string;
  backup?: string;
  source?: string;
  timeout?: string;
  dryRun?: boolean;
}

/**
 * `redback drill`: a restore drill of one instance through its agent. Follows the job (phases on
 * stderr), then prints the measured recovery time and the key counts; with --json the drill's
 * result (also when it failed). A failed drill exits 20 (DRILL_FAILED) with its one-line reason.
 */
export async function runDrill(flags: DrillFlags): Promise<number> {
  if (!flags.instance) throw new RedbackError('USAGE', 'name the instance to drill with --instance', { hint: 'redback drill --instance main' });
  const source = flags.source ?? 'local';
  if (source !== 'local' && source !== 'offsite') throw new RedbackError('USAGE', `--source ${source}: use local or offsite`, { hint: 'redback drill --instance main --source offsite' });
  const timeoutMs = timeoutFlagMs(flags.timeout);
  return withClient(flags, async (client) => {
    if (flags.dryRun) return printPlan(await client.instances(), flags, source);
    const job = await client.triggerDrill({
      instance: flags.instance!,
      source,
      timeoutMs,
      ...(flags.targetInstance ? { targetInstance: flags.targetInstance } : {}),
      ...(flags.backup ? { backupId: flags.backup } : {}),
    });
    const say = (line: string) => {
      if (!flags.json) process.stderr.write(`${line}\n`);
    };
    say(`drill ${job.jobId}: ${source} copy of ${job.agentId}/${job.instance} into ${flags.targetInstance ? `instance ${flags.targetInstance}` : 'a scratch redis-server'}`);
    let last: JobView = job;
    await client.watchJob(job.jobId, (event) => {
      if (!event.job) return;
      if (event.message && event.message !== event.job.state && event.message !== last.errorMessage) say(`  ${event.job.phase ? `[${event.job.phase}] ` : ''}${event.message}`);
      last = event.job;
    });
    const result = (last.result ?? null) as DrillResult | null;
    if (flags.json) printJson({ job: { jobId: last.jobId, state: last.state, agentId: last.agentId, instance: last.instance }, drill: result });
    else if (result?.ok) process.stdout.write(describeDrill(result) + '\n');
    if (last.state === 'succeeded' && result?.ok) return 0;
    const code = last.errorCode && isErrorCode(last.errorCode) ? last.errorCode : 'JOB_FAILED';
    throw new RedbackError(code, `drill of ${last.agentId}/${last.instance} ${last.state === 'failed' ? 'failed' : last.state}: ${last.errorMessage || 'no detail'}`, {
      hint: last.errorHint || `redback jobs --instance ${last.instance}`,
    });
  });
}

/** Two lines for people: verdict with the recovery time and its phases, then the keys. */
export function describeDrill(r: DrillResult): string {
  const where = r.targetInstance ? `restored into ${r.targetInstance}` : `scratch redis-server :${r.scratchPort ?? '?'}`;
  const phases = [`fetch ${formatDuration(r.phases.fetchMs)}`, `load ${formatDuration(r.phases.loadMs)}`, `check ${formatDuration(r.phases.checkMs)}`];
  if (r.phases.finishMs !== undefined) phases.push(`then AOF and config ${formatDuration(r.phases.finishMs)}`);
  return [
    `drill of ${r.instance} passed: recovery time ${formatDuration(r.rtoMs)} (${phases.join(', ')})`,
    `  ${r.source} copy ${r.backupId} (${formatBytes(r.bytes)}, snapshot ${r.snapshotAt ?? '?'}), ${where}`,
    `  keys: ${formatKeys(r.keysFound)} (manifest: ${formatKeys(r.keysExpected)})`,
  ].join('\n');
}

/** --dry-run: which instance, which copy, where it goes; nothing is started. */
function printPlan(instances: InstanceStatusView[], flags: DrillFlags, source: string): number {
  const spec = flags.instance!;
  const [agent, name] = spec.includes('/') ? [spec.slice(0, spec.indexOf('/')), spec.slice(spec.indexOf('/') + 1)] : ['', spec];
  const found = instances.filter((i) => i.name === name && (!agent || i.agentId === agent));
  if (found.length !== 1) {
    throw new RedbackError(found.length ? 'USAGE' : 'NOT_FOUND', found.length ? `instance name "${name}" is ambiguous: ${found.map((i) => `${i.agentId}/${i.name}`).join(', ')}` : `no instance "${spec}" in the fleet`, {
      hint: found.length ? 'qualify it as AGENT/INSTANCE' : 'list instances with: redback instances',
    });
  }
  const x = found[0]!;
  if (flags.targetInstance && !instances.some((i) => i.agentId === x.agentId && i.name === flags.targetInstance)) {
    throw new RedbackError('NOT_FOUND', `agent ${x.agentId} has no instance "${flags.targetInstance}"`, { hint: 'a drill restores into another instance of the same agent: list them with redback instances' });
  }
  const plan = {
    dryRun: true,
    agentId: x.agentId,
    instance: x.name,
    source,
    backupId: flags.backup ?? 'newest',
    target: flags.targetInstance ? { instance: flags.targetInstance, note: 'its data files are moved into its quarantine folder and replaced by the copy (the safe restore runbook)' } : { scratch: 'a throwaway redis-server on 127.0.0.1 in a temp dir on the agent host, removed after' },
  };
  if (flags.json) printJson(plan);
  else {
    process.stdout.write(
      `dry run: would drill ${flags.backup ? `copy ${flags.backup}` : `the newest ${source} copy`} of ${x.agentId}/${x.name} (not touched itself) into ${flags.targetInstance ? `instance ${flags.targetInstance} on ${x.agentId}: ${plan.target.note}` : 'a throwaway redis-server on the agent host (127.0.0.1, temp dir, removed after)'}\n` +
        `then compare the key counts per database with the copy's manifest and record the recovery time; nothing was started\n`,
    );
  }
  return 0;
}
