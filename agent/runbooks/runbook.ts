/**
 * A runbook is a named, ordered list of steps that recovers an instance. Steps read and write a
 * JSON-serialisable `state` (what was chosen, where files were moved), so a run that was killed
 * can be resumed from its journal, and a failed run can be rolled back step by step.
 */
export type RunbookName = 'restart' | 'repair-aof' | 'restore-local' | 'restore-offsite' | 'restore-remote';

export interface StepEnv {
  /** The run's id (`<timestamp>-<runbook>-<random>`), e.g. to name its quarantine folder. */
  runId: string;
  /** Progress inside a long step (bytes copied, keys loaded); `bytes` when the work is a transfer. */
  progress(message: string, fraction?: number, bytes?: { done: number; total: number }): void;
  /** A fact worth keeping in the journal and the report. */
  note(message: string): void;
  /** Something a human must look at (a large key loss, a skipped check); kept in the journal and shown in the report. */
  warn(message: string): void;
  /**
   * Saves the state to the journal now. Call it right after a side effect whose record a resumed
   * run needs (e.g. "redis was running" before stopping it, a file moved aside).
   */
  checkpoint(): Promise<void>;
  signal?: AbortSignal;
}

export interface Step<S> {
  /** Stable kebab-case name; the journal refers to steps by it. */
  name: string;
  /** What the step will do, for the plan (`--dry-run`). Must not touch anything. */
  describe(state: S): string;
  run(state: S, env: StepEnv): Promise<void>;
  /**
   * Undoes the step after a later step failed (or on `--rollback`). Absent when there is nothing
   * to undo. Must be safe to run when the step only half finished.
   */
  rollback?(state: S, env: StepEnv): Promise<void>;
  /**
   * Once this step has completed, rolling back would lose data that is now only in Redis (for
   * example, after the AOF was re-enabled and clients may have written): the runner stops rolling
   * back here and asks for a human.
   */
  pointOfNoReturn?: boolean;
}

export interface Runbook<S> {
  name: RunbookName;
  /** One line: what the runbook is for (printed with the plan). */
  summary: string;
  steps: ReadonlyArray<Step<S>>;
  /**
   * Runs once before a resumed run continues (`--resume`), to bring back what the remaining steps
   * take for granted but a crash or reboot may have undone: typically, Redis was started by a
   * step that is done, and is down now. `done(name)` says whether a step completed.
   */
  beforeResume?(state: S, done: (step: string) => boolean, env: StepEnv): Promise<void>;
}

export interface PlannedStep {
  index: number;
  name: string;
  description: string;
}

export function planOf<S>(runbook: Runbook<S>, state: S): PlannedStep[] {
  return runbook.steps.map((step, index) => ({ index: index + 1, name: step.name, description: step.describe(state) }));
}
