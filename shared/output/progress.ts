import { formatBytes } from './format.js';
import { isTerminal, StatusLine } from './terminal.js';

export interface ProgressReporter {
  update(done: number, total: number, label?: string): void;
  /** Prints a line on stderr; a bar being drawn moves below it instead of overwriting it. */
  line(text: string): void;
  /** Ends the bar: its last state stays on its own line, and the next output starts below it. */
  stop(): void;
}

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

/**
 * A byte progress bar on stderr for long work. Drawn only when stderr is a terminal and output is
 * not --json, so scripts and logs never see redraws (lines given to `line()` are still printed).
 */
export function byteProgress(enabled: boolean, title: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!enabled || !isTerminal(stream)) {
    return { update: () => undefined, line: (text) => void stream.write(`${text}\n`), stop: () => undefined };
  }
  const status = new StatusLine(stream);
  const t0 = Date.now();
  let last = { done: 0, total: 0, label: '' };
  let drawnAt = 0;
  let stopped = false;
  const render = (): void => {
    const { done, total, label } = last;
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * BAR_WIDTH);
    const speed = formatBytes(done / Math.max(0.001, (Date.now() - t0) / 1000));
    status.show(`${title}${label ? ` ${label}` : ''} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.floor(ratio * 100)}% | ${formatBytes(done)}/${formatBytes(total)} | ${speed}/s`);
    drawnAt = Date.now();
  };
  return {
    update(done, total, label = '') {
      if (stopped) return;
      last = { done, total, label };
      if (Date.now() - drawnAt >= REDRAW_MS || done >= total) render();
    },
    line(text) {
      const redraw = status.active;
      status.print(text);
      if (redraw && !stopped) render();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (drawnAt > 0) {
        render();
        status.end();
      }
    },
  };
}
