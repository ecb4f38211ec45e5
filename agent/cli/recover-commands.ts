import { isTerminal, StatusLine } from '../../shared/output/terminal.js';
import { createInterface } from 'node:readline/promises';
import { RedbackError } from '../../shared/errors/index.js';
import { formatAge, formatBytes, formatKeys, printJson } from '../../shared/output/format.js';
import { formatDuration, parseInstant } from '../../shared/time/clock.js';
import { findInstance } from '../agent-context.js';
import { checkAof, fixAof } from '../aof/check-aof.js';
import { controllerFor } from '../recovery/instance-control.js';
import { QUARANTINE_DIRNAME } from '../recovery/quarantine.js';
import { recoverInstance, type PlanView } from '../recovery/recover.js';
import { waitLoaded } from '../recovery/redis-wait.js';
import type { RunReport } from '../recovery/report.js';
import { guardStart } from '../recovery/trap-guard.js';
import type { Diagnosis } from '../recovery/diagnose.js';
import { RECOVERY_RUNBOOKS } from '../recovery/plan.js';
import type { RunbookName } from '../runbooks/runbook.js';
import type { StepEvent } from '../runbooks/runner.js';
import { resolveInstanceFacts } from '../state/instance-facts.js';
import { withInstanceLock } from '../store/instance-lock.js';
import { exists } from '../../shared/fs/durable.js';
import { join } from 'node:path';
import { describeWindow } from '../../shared/offsite/recovery-window.js';
import { loadAgentForCommand, type AgentFlags } from './load-agent.js';

export interface RecoverFlags extends AgentFlags {
  instance: string;
  dryRun?: boolean;
  yes?: boolean;
  backup?: string;
  before?: string;
  withConfig?: boolean;
  runbook?: string;
  resume?: boolean;
  rollback?: boolean;
  close?: boolean;
}

/** `redback agent recover`: diagnose, show the plan and why, confirm, run, report. */
export async function runRecoverCommand(flags: RecoverFlags): Promise<number> {
  if (flags.runbook && !RECOVERY_RUNBOOKS.includes(flags.runbook as RunbookName)) {
    throw new RedbackError('USAGE', `unknown runbook "${flags.runbook}"`, { hint: `use one of: ${RECOVERY_RUNBOOKS.join(', ')}` });
  }
  if (flags.backup && flags.before) {
    throw new RedbackError('USAGE', '--backup and --before exclude each other', { hint: 'name one copy or set with --backup, or a time with --before' });
  }
  let before: Date | undefined;
  const latest = flags.before?.trim().toLowerCase() === 'latest';
  if (flags.before !== undefined && !latest) {
    try {
      before = parseInstant(flags.before);
    } catch (err) {
      throw new RedbackError('USAGE', `--before: ${(err as Error).message}`, { hint: 'e.g. --before 2026-11-24T03:15:00Z (a time without an offset is UTC)' });
    }
  }
  const ctx = loadAgentForCommand(flags);
  const instance = findInstance(ctx.config, flags.instance);
  // Human text goes to stdout, or to stderr when stdout carries JSON.
  const out = (text: string) => (flags.json ? process.stderr : process.stdout).write(text + '\n');
  const started = Date.now();
  const outcome = await recoverInstance(ctx, instance, {
    dryRun: flags.dryRun === true,
    ...(flags.runbook ? { runbook: flags.runbook as RunbookName } : {}),
    ...(flags.backup ? { backupId: flags.backup } : {}),
    ...(before ? { before } : {}),
    ...(latest ? { latest: true } : {}),
    withConfig: flags.withConfig === true,
    resume: flags.resume === true,
    rollback: flags.rollback === true,
    close: flags.close === true,
    onDiagnosis: (d) => out(renderDiagnosis(d, ctx.clock.now())),
    onPlan: (plan) => out(renderPlan(plan)),
    confirm: (plan) => confirm(flags, plan),
    onEvent: progressPrinter(out),
  });
  const { diagnosis, plan, report, error } = outcome;
  if (flags.json) printJson({ diagnosis, plan, dryRun: outcome.dryRun, report, error: error ? error.toJSON() : null });
  if (flags.dryRun) {
    out(plan ? 'dry run: nothing was changed (run again without --dry-run to do it)' : 'dry run: nothing was changed');
    return 0;
  }
  if (!plan) {
    if (diagnosis.scenario === 'healthy') return 0;
    throw new RedbackError('NOT_FOUND', `nothing redback can run for ${instance.name}: ${diagnosis.reason}`, {
      hint: 'see the diagnosis above; nothing was changed',
    });
  }
  if (report) out(renderReport(report, Date.now() - started));
  if (error) throw error;
  return 0;
}

async function confirm(flags: RecoverFlags, plan: PlanView): Promise<boolean> {
  if (flags.yes) return true;
  if (!process.stdin.isTTY) {
    throw new RedbackError('USAGE', `refusing to ${plan.mode === 'rollback' ? 'roll back' : plan.mode} ${plan.runbook} without confirmation: this is not an interactive terminal`, {
      hint: 'read the plan (--dry-run), then run again with --yes',
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question('Proceed? [y/N] ');
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

function progressPrinter(out: (text: string) => void): (event: StepEvent) => void {
  const startedAt = new Map<string, number>();
  let lastProgress = 0;
  // The step's live progress is one status line on stderr (a terminal only); any other line clears it first.
  const status = isTerminal(process.stderr) ? new StatusLine(process.stderr) : null;
  const say = (text: string): void => {
    status?.clear();
    out(text);
  };
  return (e) => {
    const tag = `[${e.index}/${e.total}]`;
    const pad = ' '.repeat(tag.length + 1);
    switch (e.status) {
      case 'started':
        startedAt.set(e.step, Date.now());
        lastProgress = Date.now();
        say(`${tag} ${e.step}: ${e.message ?? ''}`);
        break;
      case 'done':
        say(`${pad}done (${formatDuration(Date.now() - (startedAt.get(e.step) ?? Date.now()))})`);
        break;
      case 'failed':
        say(`${pad}FAILED: ${e.message}`);
        break;
      case 'note':
        say(`${pad}${e.message}`);
        break;
      case 'warning':
        say(`${pad}WARNING: ${e.message}`);
        break;
      case 'rollback-started':
        say(`${tag} rolling back ${e.step}`);
        break;
      case 'rolled-back':
        say(`${pad}rolled back`);
        break;
      case 'rollback-failed':
        say(`${pad}ROLLBACK FAILED: ${e.message}`);
        break;
      case 'progress':
        if (status) status.show(`${pad}${e.message}`);
        else if (Date.now() - lastProgress > 5000) {
          lastProgress = Date.now();
          say(`${pad}${e.message}`);
        }
        break;
    }
  };
}

export function renderDiagnosis(d: Diagnosis, now: Date): string {
  const f = d.facts;
  const lines: string[] = [`Diagnosis of ${d.instance} (${f.host}:${f.port}, dir ${f.dir})`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(13)}${text}`);
  const r = d.redis;
  row(
    'redis',
    r.up
      ? `up${r.loading ? ` and LOADING (${r.loadingPercent ?? '?'}%)` : ''}: ${r.keys} keys (${formatKeys(counts(r.keyspace))}), role ${r.role ?? '?'}, AOF ${r.aofEnabled ? 'on' : 'off'}, up ${r.uptimeSeconds ?? '?'}s`
      : `down (${r.error ?? 'no answer'})`,
  );
  const seen = d.lastSeen && d.lastSeen.keys > 0 ? d.lastSeen : (d.lastNonEmpty ?? d.lastSeen);
  row('last seen', seen ? `${seen.keys} keys (${formatKeys(counts(seen.keyspace))}) at ${seen.at} (${formatAge(seen.at, now)}), AOF ${seen.aofEnabled ? 'on' : 'off'}` : 'never (no state saved yet)');
  row(
    'appendonly',
    `${f.appendonly === null ? 'unknown' : f.appendonly ? 'yes' : 'no'} (from ${f.appendonlyFrom}${f.configFile ? `: ${f.configFile}` : ''})${f.appendonlyLive !== null ? `; running server: ${f.appendonlyLive ? 'yes' : 'no'}` : ''}`,
  );
  row('AOF', d.aof.check ? `${d.aof.check.ok ? 'valid' : d.aof.check.status}: ${d.aof.check.message}` : d.aof.note);
  const dump = d.dump;
  row(
    'dump.rdb',
    !dump.exists
      ? `${dump.path}: missing`
      : dump.valid
        ? `${dump.path}: valid, ${formatBytes(dump.bytes ?? 0)}, ${dump.keys} keys, snapshot ${dump.snapshotAt} (${formatAge(dump.snapshotAt, now)})`
        : `${dump.path}: INVALID (${dump.problem})`,
  );
  const copy = d.copies.newest;
  row('local copies', `${d.copies.ok} valid${d.copies.broken ? `, ${d.copies.broken} broken` : ''}${copy ? `; newest ${copy.id} (${copy.tier}, ${copy.keys} keys, ${formatAge(copy.snapshotAt, now)})` : ''}`);
  for (const c of d.candidates.filter((c) => !c.usable)) row('', `skipped ${c.label}: ${c.why}`);
  const o = d.offsite;
  row(
    'offsite',
    o.status === 'not-configured'
      ? 'not configured'
      : o.status === 'unreachable'
        ? `UNREACHABLE: ${o.error}`
        : `${o.sets} complete set${o.sets === 1 ? '' : 's'}${o.incomplete ? ` (+${o.incomplete} incomplete)` : ''}${o.newest ? `; newest ${o.newest.setId} (${o.newest.keys} keys, ${formatBytes(o.newest.storedBytes)} stored, ${formatAge(o.newest.createdAt, now)})` : ''}`,
  );
  if (o.window) row('window', describeWindow(o.window));
  for (const p of o.archiveProblems) row('WARNING', p);
  row('AOF trap', d.trap ? `YES: ${d.trap.message}` : 'no');
  row('unfinished', d.unfinished ? `run ${d.unfinished.runId} (${d.unfinished.runbook}, ${d.unfinished.status}${d.unfinished.step ? ` at ${d.unfinished.step}` : ''})` : 'none');
  for (const w of d.warnings) row('WARNING', w);
  lines.push('');
  lines.push(`Scenario:  ${d.scenario}${d.seed ? ` (${d.seed})` : ''}`);
  lines.push(`Runbook:   ${d.runbook ?? 'none'}`);
  lines.push(`Why:       ${d.reason}`);
  if (d.source?.kind === 'aof-archive') lines.push(`Source:    ${d.source.label}; keys are counted once it is replayed, segments verified while they are fetched`);
  else if (d.source) lines.push(`${d.runbook === 'restore-local' || d.runbook === 'restore-offsite' ? 'Source:    ' : 'Newest RDB:'} ${d.source.label}, ${d.source.keys} keys, snapshot ${d.source.snapshotAt} (${formatAge(d.source.snapshotAt, now)})${d.source.verified ? ', verified' : d.source.verified === null ? ', verified while it is fetched' : ''}`);
  if (d.reflects) {
    lines.push(
      d.source?.kind === 'aof-archive'
        ? `Reflects:  ${d.reflects}: every write up to and including that second (Redis annotates the AOF to the second), nothing later`
        : `Reflects:  ${d.reflects}: the snapshot's time`,
    );
  }
  if (d.loss) lines.push(`Loss:      restoring it loses ${d.loss}`);
  return lines.join('\n');
}

export function renderPlan(plan: PlanView): string {
  const lines = ['', `Plan: ${plan.runbook}${plan.mode !== 'run' ? ` (${plan.mode} of run ${plan.runId})` : ''}: ${plan.summary}`];
  if (plan.mode !== 'run') lines.push(`      ${plan.reason}`);
  for (const step of plan.steps) lines.push(`  ${String(step.index).padStart(2)}. ${step.name}: ${step.description}`);
  if (plan.mode === 'close') {
    lines.push('', 'Closing changes nothing on disk or in Redis: the steps not finished or undone are marked "kept".');
    for (const m of plan.stillAside ?? []) lines.push(`  WARNING: ${m.from} is in quarantine (${m.to}): redis would start without it; --rollback puts it back`);
  }
  lines.push('');
  return lines.join('\n');
}

export function renderReport(r: RunReport, wallMs: number): string {
  const lines = ['', `Report: run ${r.runId} ${r.status.toUpperCase()} in ${formatDuration(r.durationMs ?? wallMs)}`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(13)}${text}`);
  if (r.error) row('error', `${r.error.message}${r.error.hint ? ` (hint: ${r.error.hint})` : ''}`);
  if (r.source) row('source', r.source);
  if (r.keys !== null) {
    row('keys', `${r.keys} (${formatKeys(counts(r.keyspace ?? {}))})${r.keysExpected !== null ? `, source manifest ${r.keysExpected}` : ''}${r.lastSeen ? `; last seen ${r.lastSeen.keys} at ${r.lastSeen.at}` : ''}`);
  }
  if (r.aofEnabled !== null) row('AOF', r.aofEnabled ? 'on' : 'off');
  if (r.startedBy) row('redis', r.startedBy === 'redback' ? `started by redback${r.loadMs !== null ? `, loaded in ${formatDuration(r.loadMs)}` : ''}` : 'was already running');
  if (r.aofFix) row('AOF repair', `${r.aofFix.bytesCut} bytes cut from ${r.aofFix.file} (${r.aofFix.bytesBefore} → ${r.aofFix.bytesAfter}); original kept in ${r.aofFix.originalCopy}`);
  if (r.quarantineDir) row('moved aside', `${r.quarantineDir}/ (nothing deleted)`);
  for (const m of r.movedAside) row('', `${m.from} → ${m.to}`);
  if (r.confBackup) row('redis.conf', `original kept in ${r.confBackup}`);
  // "As it was before the run" only when no live file of the run is still in quarantine.
  const asBefore = r.status === 'rolled-back' && r.stillAside.length === 0;
  if (r.status === 'rolled-back' || r.undone.length) row('rolled back', r.undone.length ? `${r.undone.join(', ')}${asBefore ? ' (the instance is as it was before the run)' : ''}` : 'nothing had been changed');
  for (const m of r.stillAside) row('IN QUARANTINE', `${m.from} is at ${m.to}: redis would start without it`);
  if (r.status === 'needs-attention') row('ATTENTION', 'the run stopped halfway (point of no return, a failing rollback step, or a resume that could not start): read the journal, then --resume, --rollback or --close');
  if (r.closed) row('closed', `${r.closed.reason} (was ${r.closed.previousStatus}); steps not finished or undone are marked kept`);
  for (const w of r.warnings) row('WARNING', w);
  row('journal', r.journalFile);
  return lines.join('\n');
}

function counts(keyspace: Record<string, { keys: number }>): Record<string, number> {
  return Object.fromEntries(Object.entries(keyspace).map(([db, v]) => [db, v.keys]));
}

/** `redback agent check-aof`: redis-check-aof on the manifest; --fix repairs a torn last file (original kept). */
export async function runCheckAofCommand(flags: AgentFlags & { instance: string; fix?: boolean }): Promise<number> {
  const ctx = loadAgentForCommand(flags);
  const instance = findInstance(ctx.config, flags.instance);
  const facts = await resolveInstanceFacts(ctx, instance);
  const print = (text: string) => (flags.json ? undefined : process.stdout.write(text + '\n'));
  if (!(await exists(facts.manifestPath))) {
    const result = { instance: instance.name, manifest: facts.manifestPath, appendonly: facts.appendonly, status: 'missing', ok: facts.appendonly === false };
    if (flags.json) printJson(result);
    if (facts.appendonly === false) {
      print(`${instance.name}: appendonly is no and there is no AOF (${facts.manifestPath}): nothing to check`);
      return 0;
    }
    throw new RedbackError('AOF_CORRUPT', `${instance.name}: the AOF manifest ${facts.manifestPath} does not exist although appendonly is ${facts.appendonly === null ? 'unknown' : 'yes'}`, {
      hint: `do not start redis like this (the AOF trap); run redback agent recover --instance ${instance.name}`,
    });
  }
  const result = await checkAof(facts.manifestPath);
  const view = { instance: instance.name, manifest: facts.manifestPath, status: result.status, ok: result.ok, fixable: result.fixable, message: result.message, damage: result.damage, missingFiles: result.missingFiles };
  if (result.ok || !flags.fix) {
    if (flags.json) printJson(view);
    print(`${instance.name}: ${result.message}`);
    if (result.ok) return 0;
    process.stderr.write(
      `redback: the AOF of ${instance.name} is damaged (${result.status})\nHINT: ${result.fixable ? `repair it with --fix (redis must be stopped; the original is kept), or run redback agent recover --instance ${instance.name}` : `--fix cannot repair this; run redback agent recover --instance ${instance.name}`}\n`,
    );
    return new RedbackError('AOF_CORRUPT', result.message).exitCode;
  }
  return withInstanceLock(ctx.layout.lockFile(instance.name), 'check-aof --fix', async () => {
    const controller = instance.control ? controllerFor(ctx, instance, facts) : null;
    if (facts.redisUp || (controller && (await controller.isRunning()))) {
      throw new RedbackError('UNSAFE_REFUSED', `redis ${instance.name} is running: --fix must not cut a file Redis appends to`, { hint: 'stop redis first, or use redback agent recover' });
    }
    const fixed = await fixAof(facts.manifestPath, join(facts.dir, QUARANTINE_DIRNAME));
    if (flags.json) printJson({ ...view, fixed: { file: fixed.fixedFile, bytesCut: fixed.bytesCut, bytesBefore: fixed.bytesBefore, bytesAfter: fixed.bytesAfter, originalCopy: fixed.backupFolder }, after: fixed.after.message });
    print(`${instance.name}: ${result.message}`);
    print(`fixed: cut ${fixed.bytesCut} bytes off ${fixed.fixedFile} (${fixed.bytesBefore} → ${fixed.bytesAfter}); original kept in ${fixed.backupFolder}`);
    print(`now: ${fixed.after.message}`);
    return 0;
  });
}

/** `redback agent start`: starts an instance through its control, refusing when the AOF trap would spring. */
export async function runStartCommand(flags: AgentFlags & { instance: string }): Promise<number> {
  const ctx = loadAgentForCommand(flags);
  const instance = findInstance(ctx.config, flags.instance);
  return withInstanceLock(ctx.layout.lockFile(instance.name), 'start', async () => {
    const facts = await resolveInstanceFacts(ctx, instance);
    const controller = controllerFor(ctx, instance, facts);
    if (await controller.isRunning()) {
      if (flags.json) printJson({ instance: instance.name, action: 'already-running' });
      else process.stdout.write(`${instance.name} is already running\n`);
      return 0;
    }
    await guardStart(ctx, facts);
    await controller.start();
    const loaded = await waitLoaded(instance, { timeoutMs: 2 * 3600_000, isRunning: () => controller.isRunning() });
    if (flags.json) printJson({ instance: instance.name, action: 'started', keys: loaded.keys, keyspace: loaded.keyspace, loadMs: loaded.loadMs });
    else process.stdout.write(`${instance.name} started (${controller.describe('start')}): ${loaded.keys} keys loaded in ${formatDuration(loaded.loadMs)}\n`);
    return 0;
  });
}
