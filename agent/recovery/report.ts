import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunJournal } from '../runbooks/journal.js';
import type { RecoveryReport, LastSeenSummary } from './recovery-steps.js';
import type { RecoveryState } from './plan.js';

/** What a recovery run did, for people (the CLI report) and machines (--json). */
export interface RunReport {
  runId: string;
  runbook: string;
  status: RunJournal['status'];
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  journalFile: string;
  quarantineDir: string | null;
  movedAside: RecoveryReport['movedAside'];
  keys: number | null;
  keyspace: RecoveryReport['keyspace'];
  keysExpected: number | null;
  lastSeen: LastSeenSummary | null;
  aofEnabled: boolean | null;
  startedBy: RecoveryReport['startedBy'];
  loadMs: number | null;
  aofFix: RecoveryReport['aofFix'] | null;
  confBackup: string | null;
  source: string | null;
  steps: Array<{ name: string; status: string; notes: string[]; warnings: string[]; error: string | null }>;
  /** Live files this run moved aside that are in quarantine now (nothing at their place): Redis would start without them. */
  stillAside: Array<{ from: string; to: string }>;
  /** Set when the run was closed as it stood (recover --close). */
  closed: RunJournal['closed'] | null;
  /** Steps whose changes a rollback undid (steps with nothing to undo are not listed). */
  undone: string[];
  warnings: string[];
  error: RunJournal['error'] | null;
}

export function buildRunReport(journal: RunJournal, journalDir: string): RunReport {
  const state = journal.state as RecoveryState;
  const r = state.report;
  const finished = journal.finishedAt ?? null;
  return {
    runId: journal.runId,
    runbook: journal.runbook,
    status: journal.status,
    startedAt: journal.startedAt,
    finishedAt: finished,
    durationMs: finished ? new Date(finished).getTime() - new Date(journal.startedAt).getTime() : null,
    journalFile: join(journalDir, `${journal.runId}.json`),
    // Planned at the first step, created only when something is moved or copied aside.
    quarantineDir: r.quarantineDir && existsSync(r.quarantineDir) ? r.quarantineDir : null,
    movedAside: r.movedAside,
    keys: r.keys,
    keyspace: r.keyspace,
    keysExpected: r.keysExpected,
    lastSeen: state.lastSeen,
    aofEnabled: r.aofEnabled,
    startedBy: r.startedBy,
    loadMs: r.loadMs,
    aofFix: r.aofFix ?? null,
    confBackup: r.confBackup ?? null,
    source: state.kind === 'restore' ? state.sourceLabel : null,
    steps: journal.steps.map((s) => ({ name: s.name, status: s.status, notes: s.notes, warnings: s.warnings ?? [], error: s.error ?? null })),
    stillAside: stillAsideOf(state),
    closed: journal.closed ?? null,
    undone: journal.steps.filter((s) => s.status === 'rolled-back' && !s.notes.includes('nothing to undo')).map((s) => s.name),
    warnings: journal.steps.flatMap((s) => (s.warnings ?? []).map((w) => `${s.name}: ${w}`)),
    error: journal.error ?? null,
  };
}

/** Restores move live files aside; what of that is in quarantine now, with nothing at its place. */
function stillAsideOf(state: RecoveryState): Array<{ from: string; to: string }> {
  if (state.kind !== 'restore') return [];
  return state.moved.filter((m) => existsSync(m.to) && !existsSync(m.from)).map((m) => ({ from: m.from, to: m.to }));
}
