import { RedbackError } from '../../shared/errors/index.js';
import { formatAge, formatBytes, formatKeys, printJson, renderTable } from '../../shared/output/format.js';
import { byteProgress } from '../../shared/output/progress.js';
import { formatDuration } from '../../shared/time/clock.js';
import type { ControlClient, ConnectionFlags } from '../rpc/control-client.js';
import { requireInstanceOrAll, timeoutFlagMs, withClient } from './command-helpers.js';
import { isJobState, JOB_STATES } from '../catalog/job-records.js';
import type { JobView, RecoveryWindowView } from './operator-views.js';
import { driftLine } from './policy-commands.js';

const dash = (s: string) => s || '-';
const shortTime = (iso: string) => (iso ? iso.replace(/\.\d+Z$/, 'Z') : '-');

/** `redback status`: exits 14 when an agent is silent, an instance is unprotected or a job failed. */
export async function runStatus(flags: ConnectionFlags): Promise<number> {
  const s = await withClient(flags, (c) => c.status());
  if (flags.json) printJson(s);
  else {
    const lines = [
      `${s.healthy ? 'OK' : 'PROBLEMS'}: ${s.agentsOnline}/${s.agentsTotal} agents online, ${s.instancesProtected}/${s.instancesTotal} instances protected, ${s.failedJobs.length} failed job(s)`,
    ];
    if (s.silentAgents.length) {
      lines.push('', 'silent agents:');
      lines.push(renderTable(['AGENT', 'STATE', 'LAST HEARD', 'HOST'], s.silentAgents.map((a) => [a.agentId, a.liveness, a.lastHeartbeatAt ? formatAge(a.lastHeartbeatAt) : 'never', a.hostname])));
    }
    if (s.problems.length) {
      lines.push('', 'fleet problems:');
      for (const p of s.problems) lines.push(`  ${p}`);
    }
    if (s.problemInstances.length) {
      lines.push('', 'instances with problems:');
      lines.push(
        renderTable(
          ['INSTANCE', 'AGENT', 'REDIS', 'NEWEST COPY', 'PROBLEMS'],
          s.problemInstances.map((i) => [i.name, i.agentId, i.up ? 'up' : 'DOWN', i.newestAnyAt ? formatAge(i.newestAnyAt) : 'none', i.problems.join('; ')]),
        ),
      );
    }
    if (s.policyDrift.length) {
      lines.push('', `warning: ${s.policyDrift.length} instance(s) drift from their persistence policy:`);
      lines.push(...s.policyDrift.map(driftLine));
    }
    if (s.failedJobs.length) {
      lines.push('', 'failed jobs (last 24 h):');
      lines.push(renderTable(['JOB', 'TYPE', 'INSTANCE', 'STATE', 'ERROR'], s.failedJobs.map((j) => [j.jobId, j.type, `${j.agentId}/${j.instance}`, j.state, j.errorMessage])));
    }
    process.stdout.write(lines.join('\n') + '\n');
  }
  return s.healthy ? 0 : new RedbackError('UNHEALTHY', 'unhealthy').exitCode;
}

export async function runAgents(flags: ConnectionFlags): Promise<number> {
  const agents = await withClient(flags, (c) => c.agents());
  if (flags.json) printJson(agents);
  else
    process.stdout.write(
      renderTable(
        ['AGENT', 'STATE', 'LAST HEARD', 'HOST', 'VERSION', 'BACKUP FREE', 'INSTANCES'],
        agents.map((a) => [a.agentId, a.liveness, a.lastHeartbeatAt ? formatAge(a.lastHeartbeatAt) : 'never', a.hostname, a.agentVersion, formatBytes(a.backupFreeBytes), a.instances.join(',')]),
      ) + '\n',
    );
  return 0;
}

/** `redback agents forget ID`: removes a decommissioned agent (refuses a connected one unless --force). */
export async function runForgetAgent(agentId: string, flags: ConnectionFlags & { force?: boolean; dryRun?: boolean }): Promise<number> {
  const r = await withClient(flags, (c) => c.forgetAgent(agentId, { force: flags.force === true, dryRun: flags.dryRun === true }));
  if (flags.json) printJson(r);
  else {
    const what = `${r.instances} instance(s), ${r.backups} local copy record(s), ${r.jobs} open job(s)`;
    process.stdout.write(
      r.removed
        ? `forgot agent ${r.agentId}: ${what}${r.wasConnected ? ' (its session was closed)' : ''}; the copies on its host were not touched\n`
        : `would forget agent ${r.agentId}: ${what}${r.wasConnected ? ' (it is connected: --force closes its session)' : ''}\n`,
    );
  }
  return 0;
}

export async function runInstances(flags: ConnectionFlags): Promise<number> {
  const instances = await withClient(flags, (c) => c.instances());
  if (flags.json) printJson(instances);
  else
    process.stdout.write(
      renderTable(
        ['INSTANCE', 'AGENT', 'REDIS', 'ROLE', 'KEYS', 'MEMORY', 'AOF', 'NEWEST HOURLY', 'NEWEST DAILY', 'NEWEST OFFSITE', 'RECOVERY WINDOW', 'LAST DRILL', 'RTO', 'PROTECTED'],
        instances.map((i) => [
          i.name,
          `${i.agentId} (${i.agentLiveness})`,
          i.up ? 'up' : 'DOWN',
          dash(i.role),
          i.dbsize,
          formatBytes(i.usedMemory),
          i.aofEnabled ? dash(i.aofLastWriteStatus) : 'off',
          i.newestHourlyAt ? formatAge(i.newestHourlyAt) : '-',
          i.newestDailyAt ? formatAge(i.newestDailyAt) : '-',
          i.newestOffsiteAt ? formatAge(i.newestOffsiteAt) : '-',
          windowCell(i.recoveryWindow),
          i.lastDrill ? `${i.lastDrill.ok ? 'ok' : 'FAILED'} ${formatAge(i.lastDrill.finishedAt)}` : '-',
          i.lastDrill?.rtoMs ? formatDuration(i.lastDrill.rtoMs) : '-',
          i.protected ? 'yes' : `NO: ${i.problems.join('; ')}`,
        ]),
      ) + '\n',
    );
  return 0;
}

/** `2026-12-04T14:00:03Z … 15:10:00Z to the second (1 gap), 7 sets` — the window in one cell. */
export function windowCell(w: RecoveryWindowView | null): string {
  if (!w || !w.from) return '-';
  const parts: string[] = [];
  const first = w.spans[0];
  const last = w.spans.at(-1);
  if (first && last) {
    const iso = (ts: number) => new Date(ts * 1000).toISOString().replace('.000Z', 'Z');
    const to = iso(last.toTs);
    const from = iso(first.fromTs);
    parts.push(`${from} … ${to.slice(0, 10) === from.slice(0, 10) ? to.slice(11) : to} to the second${w.gaps.length ? ` (${w.gaps.length} gap${w.gaps.length === 1 ? '' : 's'})` : ''}`);
  }
  if (w.setCount) parts.push(`${w.setCount} set${w.setCount === 1 ? '' : 's'} from ${w.oldestSet}`);
  return parts.join('; ');
}

export async function runBackups(flags: ConnectionFlags & { instance?: string; all?: boolean }): Promise<number> {
  const backups = await withClient(flags, (c) => c.backups({ ...(flags.instance ? { instance: flags.instance } : {}), includeGone: flags.all === true }));
  if (flags.json) printJson(backups);
  else
    process.stdout.write(
      renderTable(
        ['INSTANCE', 'AGENT', 'TIER', 'ID', 'CREATED', 'AGE', 'SIZE', 'KEYS', 'WHERE'],
        backups.map((b) => [
          b.instance,
          b.agentId,
          b.tier,
          b.id,
          shortTime(b.createdAt),
          formatAge(b.createdAt),
          formatBytes(b.bytes),
          formatKeys(b.keys),
          b.locations.map((l) => `${l.kind}${l.state === 'gone' ? ' (gone)' : ''}`).join(',') || 'gone',
        ]),
      ) + `\n${backups.length} backup(s)\n`,
    );
  return 0;
}

export async function runJobs(flags: ConnectionFlags & { instance?: string; state?: string; limit?: string }): Promise<number> {
  if (flags.state !== undefined && !isJobState(flags.state)) {
    throw new RedbackError('USAGE', `unknown job state "${flags.state}"`, { hint: `use one of: ${JOB_STATES.join(', ')}` });
  }
  const limit = Number(flags.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new RedbackError('USAGE', `--limit must be a whole number from 1 to 10000, not "${flags.limit}"`, { hint: 'redback jobs --limit 200' });
  }
  const jobs = await withClient(flags, (c) =>
    c.jobs({ ...(flags.instance ? { instance: flags.instance } : {}), ...(flags.state ? { state: flags.state } : {}), limit }),
  );
  if (flags.json) printJson(jobs);
  else
    process.stdout.write(
      renderTable(
        ['JOB', 'TYPE', 'INSTANCE', 'STATE', 'CREATED', 'FINISHED', 'ERROR'],
        jobs.map((j) => [j.jobId, j.type, `${j.agentId}/${j.instance}`, j.state, shortTime(j.createdAt), shortTime(j.finishedAt), dash(j.errorMessage)]),
      ) + '\n',
    );
  return 0;
}

export async function runCancel(jobId: string, flags: ConnectionFlags): Promise<number> {
  const job = await withClient(flags, (c) => c.cancelJob(jobId));
  if (flags.json) printJson(job);
  else process.stdout.write(`job ${job.jobId}: ${job.state}\n`);
  return 0;
}

/** `redback backup`: asks the instance's agent for a copy now; --wait follows it to the end. */
export async function runBackup(flags: ConnectionFlags & { instance?: string; all?: boolean; tier: string; wait?: boolean; timeout?: string }): Promise<number> {
  requireInstanceOrAll(flags, 'redback backup --instance main --wait');
  const timeoutMs = timeoutFlagMs(flags.timeout);
  if (flags.all) {
    if (flags.wait) throw new RedbackError('USAGE', '--wait follows one instance', { hint: 'follow a fleet-wide backup with: redback jobs' });
    const jobs = await withClient(flags, (c) => c.triggerFleetBackup({ tier: flags.tier, timeoutMs }));
    if (flags.json) printJson(jobs);
    else process.stdout.write(`${jobs.length} job(s) created (${flags.tier}); follow them with: redback jobs\n`);
    return 0;
  }
  return withClient(flags, async (client) => {
    const job = await client.triggerBackup({ instance: flags.instance!, tier: flags.tier, timeoutMs });
    if (!flags.wait) {
      if (flags.json) printJson(job);
      else process.stdout.write(`job ${job.jobId} ${job.state}: snapshot of ${job.agentId}/${job.instance} (${flags.tier})\nfollow it with: redback jobs --instance ${job.instance}\n`);
      return 0;
    }
    return followJob(client, job, flags.json === true);
  });
}

/**
 * Follows a job to its end: a progress bar and state lines on stderr, or with `json` its final
 * state as one JSON object; with `jsonEvents` (upload) one JSON line per event instead, the last
 * being `{"event":"done","job":...}`.
 */
export async function followJob(client: ControlClient, job: JobView, json: boolean, options: { jsonEvents?: boolean } = {}): Promise<number> {
  const progress = byteProgress(!json, `${job.type} ${job.agentId}/${job.instance}`);
  let last = job;
  if (!json) progress.line(`job ${job.jobId}: ${job.state}`);
  try {
    await client.watchJob(job.jobId, (event) => {
      if (!event.job) return;
      if (json && options.jsonEvents) {
        const j = event.job;
        process.stdout.write(JSON.stringify({ event: 'job', jobId: j.jobId, state: j.state, phase: j.phase, done: j.done, total: j.total, message: event.message }) + '\n');
      }
      const detail = event.message && event.message !== event.job.state ? ` (${event.message})` : '';
      if (!json && event.job.state !== last.state) progress.line(`job ${job.jobId}: ${event.job.state}${detail}`);
      last = event.job;
      if (event.job.total > 0) progress.update(event.job.done, event.job.total, event.job.phase);
    });
  } finally {
    progress.stop();
  }
  if (json && options.jsonEvents) process.stdout.write(JSON.stringify({ event: 'done', job: last }) + '\n');
  else if (json) printJson(last);
  if (last.state === 'succeeded') {
    if (!json) {
      const result = (last.result ?? {}) as { manifest?: { id?: string; setId?: string; bytes: number; keys: Record<string, number>; tier: string; objects?: unknown[] }; plainBytes?: number; storedBytes?: number };
      const m = result.manifest;
      if (m?.setId) {
        process.stdout.write(`offsite set ${m.setId}: ${m.objects?.length ?? 0} objects, ${formatBytes(result.plainBytes ?? 0)} (${formatBytes(result.storedBytes ?? 0)} stored), ${formatKeys(m.keys)}\n`);
      } else process.stdout.write(m ? `copy ${m.id} (${m.tier}): ${formatBytes(m.bytes)}, ${formatKeys(m.keys)}\n` : `job ${last.jobId} succeeded\n`);
    }
    return 0;
  }
  throw new RedbackError('JOB_FAILED', `job ${last.jobId} ${last.state}: ${last.errorMessage || 'no detail'}`, last.errorHint ? { hint: last.errorHint } : {});
}
