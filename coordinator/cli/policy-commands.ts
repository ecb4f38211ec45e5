import { RedbackError, isErrorCode } from '../../shared/errors/index.js';
import { printJson, renderTable } from '../../shared/output/format.js';
import type { PolicyApplyResult } from '../../shared/policy/apply-result.js';
import type { ControlClient, ConnectionFlags } from '../rpc/control-client.js';
import { requireInstanceOrAll, timeoutFlagMs, withClient } from './command-helpers.js';
import type { InstancePolicyView, JobView } from './operator-views.js';

const show = (v: string) => (v === '' ? '""' : v);

/** `host1/main drifts from policy "critical": appendfsync "everysec" (want "always"); fix with: ...` */
export function driftLine(v: InstancePolicyView): string {
  const diffs = v.settings.filter((s) => s.drift).map((s) => `${s.key} ${s.reported ? show(s.actual) : 'unknown to this Redis'} (want ${show(s.want)})`);
  return `  ${v.agentId}/${v.instance} drifts from policy "${v.policy}": ${diffs.join(', ')}; fix with: redback policy apply --instance ${v.agentId}/${v.instance}`;
}

/** `redback policy show`: every instance's settings against its policy, drift marked. */
export async function runPolicyShow(flags: ConnectionFlags & { instance?: string }): Promise<number> {
  const views = await withClient(flags, (c) => c.policies(flags.instance));
  if (flags.json) {
    printJson(views);
    return 0;
  }
  const rows: string[][] = [];
  for (const v of views) {
    const name = `${v.agentId}/${v.instance}`;
    const policy = `${v.policy}${v.archive ? ' (archive)' : ''}`;
    if (v.settings.length === 0) rows.push([name, policy, '-', '-', '-', 'no settings in policy']);
    v.settings.forEach((s, i) =>
      rows.push([
        i === 0 ? name : '',
        i === 0 ? policy : '',
        s.key,
        s.reported ? show(s.actual) : v.state === 'unknown' ? '?' : '(unknown to this Redis)',
        show(s.want),
        s.drift ? 'DRIFT' : v.state === 'unknown' ? 'not reported' : 'ok',
      ]),
    );
  }
  const drifting = views.filter((v) => v.state === 'drift').length;
  const unknown = views.filter((v) => v.state === 'unknown').length;
  const notes = views
    .filter((v) => v.state !== 'unknown' && v.configFile === '' && v.settings.length > 0)
    .map((v) => `note: ${v.agentId}/${v.instance} runs without a config file: policy apply cannot persist a change there`);
  process.stdout.write(
    [
      renderTable(['INSTANCE', 'POLICY', 'SETTING', 'ACTUAL', 'POLICY WANTS', 'STATE'], rows),
      ...notes,
      `${views.length} instance(s): ${drifting} drift, ${unknown} not reported${unknown ? ' (agent offline or Redis down)' : ''}`,
    ].join('\n') + '\n',
  );
  return 0;
}

/**
 * `redback policy apply`: one policy-apply job per instance; waits for them all and prints each
 * change (before → after). Without --dry-run it needs --yes (it changes running servers); without
 * either it shows the plan and changes nothing.
 */
export async function runPolicyApply(flags: ConnectionFlags & { instance?: string; all?: boolean; dryRun?: boolean; yes?: boolean; timeout?: string }): Promise<number> {
  requireInstanceOrAll(flags, 'redback policy apply --all --dry-run');
  const timeoutMs = timeoutFlagMs(flags.timeout);
  const dryRun = flags.dryRun === true || flags.yes !== true;
  const { outcomes, skipped } = await withClient(flags, async (client) => {
    const { jobs, skipped } = await client.applyPolicy({ ...(flags.instance ? { instance: flags.instance } : {}), all: flags.all === true, dryRun, timeoutMs });
    return { outcomes: await Promise.all(jobs.map((job) => finalState(client, job))), skipped };
  });
  const results = outcomes.map((job) => ({ job, result: job.state === 'succeeded' && job.result ? (job.result as PolicyApplyResult) : null }));
  const failed = results.filter((r) => r.job.state !== 'succeeded');
  if (flags.json) {
    printJson(
      results.map(({ job, result }) => ({
        agentId: job.agentId,
        instance: job.instance,
        jobId: job.jobId,
        state: job.state,
        ...(result ? result : {}),
        ...(job.state !== 'succeeded' ? { error: { code: job.errorCode, message: job.errorMessage, hint: job.errorHint } } : {}),
      })),
    );
  } else {
    process.stdout.write(renderApply(results, dryRun) + skipped.map((line) => `skipped ${line}\n`).join(''));
  }
  if (skipped.length) process.stderr.write(`warning: ${skipped.length} instance(s) skipped: ${skipped.join('; ')}\n`);
  if (failed.length > 0) {
    const first = failed[0]!.job;
    const code = isErrorCode(first.errorCode) ? first.errorCode : 'JOB_FAILED';
    throw new RedbackError(code, `policy apply failed on ${failed.map((f) => `${f.job.agentId}/${f.job.instance}`).join(', ')}: ${first.errorMessage || first.state}`, {
      hint: first.errorHint || 'see: redback jobs --state failed',
    });
  }
  if (flags.dryRun !== true && flags.yes !== true) {
    throw new RedbackError('USAGE', 'policy apply changes running servers: nothing was changed', { hint: 'check the plan above, then run it again with --yes' });
  }
  return 0;
}

async function finalState(client: ControlClient, job: JobView): Promise<JobView> {
  let last = job;
  await client.watchJob(job.jobId, (event) => {
    if (event.job) last = event.job;
  });
  return last;
}

function renderApply(results: Array<{ job: JobView; result: PolicyApplyResult | null }>, dryRun: boolean): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  let changes = 0;
  for (const { job, result } of results) {
    const name = `${job.agentId}/${job.instance}`;
    if (!result) {
      rows.push([name, '-', '-', '-', `FAILED: ${job.errorMessage || job.state}`]);
      continue;
    }
    if (result.changes.length === 0) rows.push([name, '-', '-', '-', 'matches the policy']);
    result.changes.forEach((c, i) => {
      changes++;
      rows.push([i === 0 ? name : '', c.key, show(c.before), show(dryRun ? c.want : (c.after ?? '?')), dryRun ? 'would change' : 'changed']);
    });
    for (const w of result.warnings) notes.push(`${name}: ${w}`);
    if (result.persisted === true) notes.push(`${name}: redis.conf rewritten (${result.configFile})`);
    if (result.persisted === false) notes.push(`${name}: NOT persisted: ${result.notPersistedReason}`);
  }
  const summary = dryRun
    ? `dry run: ${changes} setting(s) would change on ${results.filter((r) => r.result && r.result.changes.length > 0).length} instance(s); nothing was changed`
    : `${changes} setting(s) changed; ${results.filter((r) => !r.result).length} instance(s) failed`;
  return [renderTable(['INSTANCE', 'SETTING', 'BEFORE', dryRun ? 'POLICY WANTS' : 'AFTER', 'RESULT'], rows), ...notes, summary].join('\n') + '\n';
}

