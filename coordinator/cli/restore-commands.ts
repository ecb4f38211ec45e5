import { createInterface } from 'node:readline/promises';
import { isErrorCode, RedbackError } from '../../shared/errors/index.js';
import { formatAge, formatBytes, formatKeys, printJson } from '../../shared/output/format.js';
import { byteProgress } from '../../shared/output/progress.js';
import { formatDuration } from '../../shared/time/clock.js';
import type { ConnectionFlags, ControlClient } from '../rpc/control-client.js';
import { timeoutFlagMs, withClient } from './command-helpers.js';
import type { JobView, RestoreCandidateView, RestorePlanView } from './operator-views.js';

export interface RestoreFlags extends ConnectionFlags {
  instance: string;
  backup?: string;
  before?: string;
  source?: string;
  targetInstance?: string;
  withConfig?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  timeout?: string;
}

export interface RecoverFlags extends ConnectionFlags {
  instance: string;
  dryRun?: boolean;
  yes?: boolean;
  timeout?: string;
}

/** What the agent's dry run / run answers (agent/recovery/restore-job.ts RestoreJobResult), as far as the CLI prints it. */
interface AgentResult {
  status?: string;
  scenario?: string;
  runbook?: string | null;
  reason?: string;
  source?: { label: string; snapshotAt: string | null; keys: number; bytes: number | null } | null;
  dataLoss?: { since: string | null; windowMs: number | null; text: string | null } | null;
  plan?: { runbook: string; summary: string; steps: Array<{ index: number; name: string; description: string }> } | null;
  steps?: Array<{ name: string; status: string; error: string | null }>;
  keysRestored?: Record<string, number> | null;
  keys?: number | null;
  keysExpected?: number | null;
  durationMs?: number;
  journalFile?: string | null;
  quarantineDir?: string | null;
  warnings?: string[];
}

/**
 * `redback restore`: the coordinator picks the copy (the target host's own, then offsite, or as
 * --backup / --before / --source say), the target agent does a dry run, the plan is shown; with
 * --yes (or a "y" on a terminal) the target agent runs the restore runbook and its steps and bytes
 * are followed to the end.
 */
export async function runRestore(flags: RestoreFlags): Promise<number> {
  if (flags.backup && flags.before) throw new RedbackError('USAGE', '--backup and --before exclude each other', { hint: 'name one copy with --backup ID (or latest), or a time with --before TIME' });
  const timeoutMs = timeoutFlagMs(flags.timeout);
  const out = humanOut(flags);
  return withClient(flags, async (client) => {
    const request = {
      instance: flags.instance,
      ...(flags.backup ? { backup: flags.backup } : {}),
      ...(flags.before ? { before: flags.before } : {}),
      ...(flags.source ? { source: flags.source } : {}),
      ...(flags.targetInstance ? { targetInstance: flags.targetInstance } : {}),
      withConfig: flags.withConfig === true,
      timeoutMs,
    };
    const plan = await client.planRestore(request);
    if (flags.dryRun) return dryRunDone(flags, plan, out);
    out(renderRestorePlan(plan));
    await confirm(flags, `restore ${plan.target} from ${plan.source ? describeSource(plan.source) : 'the chosen copy'}`);
    // The copy the plan showed, not whatever is newest a moment later.
    const source = plan.source!;
    const { before: _before, ...pinned } = request;
    const job = await client.startRestore({
      ...pinned,
      backup: source.id,
      source: source.kind === 'agent' ? `agent:${source.agentId}` : source.kind,
    });
    if (flags.json) process.stdout.write(JSON.stringify({ event: 'plan', plan }) + '\n');
    return follow(client, job, flags, out);
  });
}

/** `redback recover`: the instance's agent diagnoses it and runs the runbook that fixes it. */
export async function runRecover(flags: RecoverFlags): Promise<number> {
  const timeoutMs = timeoutFlagMs(flags.timeout);
  const out = humanOut(flags);
  return withClient(flags, async (client) => {
    const plan = await client.planRecover({ instance: flags.instance, timeoutMs });
    const result = resultOf(plan.dryRun);
    if (flags.dryRun) return dryRunDone(flags, plan, out);
    out(renderRecoverPlan(plan));
    if (!result.plan) {
      if (flags.json) printJson({ event: 'done', plan, job: null });
      out(result.scenario === 'healthy' ? 'nothing to recover.' : 'nothing redback can run: see the diagnosis above.');
      if (result.scenario === 'healthy') return 0;
      throw new RedbackError('NOT_FOUND', `nothing redback can run for ${plan.instance}: ${result.reason ?? 'see the diagnosis'}`, { hint: 'nothing was changed' });
    }
    await confirm(flags, `run ${result.plan.runbook} on ${plan.instance}`);
    const job = await client.startRecover({ instance: flags.instance, timeoutMs });
    if (flags.json) process.stdout.write(JSON.stringify({ event: 'plan', plan }) + '\n');
    return follow(client, job, flags, out);
  });
}

/** Human text: stdout, or stderr when stdout carries JSON. */
function humanOut(flags: ConnectionFlags): (text: string) => void {
  return (text) => void (flags.json ? process.stderr : process.stdout).write(text + '\n');
}

function dryRunDone(flags: ConnectionFlags, plan: RestorePlanView, out: (text: string) => void): number {
  if (flags.json) printJson(plan);
  else {
    out(plan.source ? renderRestorePlan(plan) : renderRecoverPlan(plan));
    out('dry run: nothing was changed (run again without --dry-run to do it)');
  }
  return 0;
}

/** --yes, or "y" on a terminal; never a silent yes when stdin is not a terminal. */
async function confirm(flags: { yes?: boolean }, what: string): Promise<void> {
  if (flags.yes) return;
  if (!process.stdin.isTTY) {
    throw new RedbackError('UNSAFE_REFUSED', `refusing to ${what} without confirmation: stdin is not a terminal`, {
      hint: 'read the plan above (or --dry-run), then run again with --yes',
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question('Proceed? [y/N] ');
    if (!/^y(es)?$/i.test(answer.trim())) throw new RedbackError('CANCELLED', 'cancelled: nothing was changed');
  } finally {
    rl.close();
  }
}

/**
 * Follows the restore job: each step line as the agent reports it, a byte bar with ETA while the
 * copy is fetched (people); or one JSON line per event (--json), the last `{"event":"done"}`.
 */
async function follow(client: ControlClient, job: JobView, flags: ConnectionFlags, out: (text: string) => void): Promise<number> {
  const json = flags.json === true;
  const progress = byteProgress(!json, `${job.type} ${job.agentId}/${job.instance}`);
  let last = job;
  let lastMessage = '';
  if (!json) progress.line(`job ${job.jobId}: ${job.state}`);
  try {
    await client.watchJob(job.jobId, (event) => {
      const j = event.job;
      if (!j) return;
      if (json) process.stdout.write(JSON.stringify({ event: 'job', jobId: j.jobId, state: j.state, phase: j.phase, done: j.done, total: j.total, message: event.message }) + '\n');
      else {
        if (j.total > 0) progress.update(j.done, j.total, j.phase);
        else if (event.message && event.message !== lastMessage && event.message !== j.state) progress.line(event.message);
        if (j.state !== last.state && (j.state !== 'running' || last.state === 'queued' || last.state === 'sent')) progress.line(`job ${j.jobId}: ${j.state}`);
      }
      if (event.message) lastMessage = event.message;
      last = j;
    });
  } finally {
    progress.stop();
  }
  if (json) process.stdout.write(JSON.stringify({ event: 'done', job: last }) + '\n');
  else out(renderOutcome(last));
  if (last.state === 'succeeded') return 0;
  const code = last.errorCode && isErrorCode(last.errorCode) ? last.errorCode : 'JOB_FAILED';
  throw new RedbackError(code, `${last.type} job ${last.jobId} ${last.state}: ${last.errorMessage || 'no detail'}`, last.errorHint ? { hint: last.errorHint } : {});
}

function resultOf(job: JobView | null): AgentResult {
  return (job?.result && typeof job.result === 'object' ? job.result : {}) as AgentResult;
}

function describeSource(c: RestoreCandidateView): string {
  const where =
    c.kind === 'local' ? `local copy on ${c.agentId}` : c.kind === 'offsite' ? `offsite set of ${c.agentId}/${c.instance}` : c.kind === 'archive' ? `AOF archive of ${c.agentId}/${c.instance} at ${c.snapshotAt}` : `copy on agent ${c.agentId}`;
  return `${where} ${c.id}`;
}

export function renderRestorePlan(plan: RestorePlanView): string {
  const r = resultOf(plan.dryRun);
  const lines = ['', `Restore plan: ${plan.instance}${plan.target !== plan.instance ? ` → ${plan.target}` : ''}`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(12)}${text}`);
  const s = plan.source;
  row('data of', plan.instance);
  row('target', plan.target);
  if (s) {
    row('source', `${describeSource(s)}, snapshot ${s.snapshotAt || s.createdAt} (${formatAge(s.snapshotAt || s.createdAt)})`);
    if (s.kind === 'archive') row('size', `base + segments up to ${s.snapshotAt}; keys are counted once the agent has replayed them`);
    else row('size', `${formatBytes(s.bytes)}${s.kind === 'offsite' ? ' stored' : ''}, ${formatKeys(s.keys)}`);
  }
  row('data lost', plan.dataLossSince ? `the writes since ${plan.dataLossSince} (${formatDuration(plan.dataLossSeconds * 1000)})` : 'unknown');
  if (plan.withConfig) row('config', "redis.conf and the ACL file are put back from the set (the current ones moved aside)");
  renderSteps(r, row, lines);
  for (const n of plan.notes) row('note', n);
  for (const w of r.warnings ?? []) row('WARNING', w);
  lines.push('');
  return lines.join('\n');
}

export function renderRecoverPlan(plan: RestorePlanView): string {
  const r = resultOf(plan.dryRun);
  const lines = ['', `Recovery plan: ${plan.instance}`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(12)}${text}`);
  row('scenario', r.scenario ?? '?');
  row('why', r.reason ?? '?');
  if (r.source) row('source', `${r.source.label}, ${r.source.keys} keys, snapshot ${r.source.snapshotAt ?? '?'}`);
  if (r.dataLoss?.text) row('data lost', r.dataLoss.text);
  renderSteps(r, row, lines);
  for (const w of r.warnings ?? []) row('WARNING', w);
  lines.push('');
  return lines.join('\n');
}

function renderSteps(r: AgentResult, row: (label: string, text: string) => void, lines: string[]): void {
  if (!r.plan) {
    row('runbook', 'none');
    return;
  }
  row('runbook', `${r.plan.runbook}: ${r.plan.summary}`);
  lines.push('  steps (on the target agent; pre-flight runs before anything is stopped):');
  for (const step of r.plan.steps) lines.push(`    ${String(step.index).padStart(2)}. ${step.name}: ${step.description}`);
}

function renderOutcome(job: JobView): string {
  const r = resultOf(job);
  const lines = ['', `${job.type} ${job.agentId}/${job.instance}: ${job.state.toUpperCase()}${r.durationMs !== undefined ? ` in ${formatDuration(r.durationMs)}` : ''}`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(12)}${text}`);
  if (job.errorMessage) row('error', `${job.errorMessage}${job.errorHint ? ` (hint: ${job.errorHint})` : ''}`);
  if (r.source) row('source', r.source.label);
  if (r.keysRestored) row('keys', `${r.keys ?? 0} (${formatKeys(r.keysRestored)})${r.keysExpected !== null && r.keysExpected !== undefined ? `, source manifest ${r.keysExpected}` : ''}`);
  if (r.dataLoss?.text) row('data lost', r.dataLoss.text);
  for (const s of r.steps ?? []) row(s.status === 'done' ? 'step' : s.status.toUpperCase(), `${s.name}${s.error ? `: ${s.error}` : ''}`);
  if (r.quarantineDir) row('moved aside', `${r.quarantineDir}/ (nothing deleted)`);
  if (r.journalFile) row('journal', r.journalFile);
  return lines.join('\n');
}
