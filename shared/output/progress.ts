import cliProgress from 'cli-progress';
import { formatBytes } from './format.js';
import { escapesAllowed, isTerminal } from './terminal.js';

export interface ProgressReporter {
  update(done: number, total: number, label?: string): void;
  /** Prints a line on stderr; a bar being drawn moves below it instead of overwriting it. */
  line(text: string): void;
  /** Ends the bar: its last state stays on its own line, and the next output starts below it. */
  stop(): void;
}

/** The bar being drawn now, if any: log lines go above it (see `writeAboveProgress`). */
let active: { stream: NodeJS.WritableStream; printAbove(text: string): void } | null = null;

/**
 * Writes `text` (whole lines, ending in a newline) above the progress bar being drawn on `stream`,
 * which is redrawn below it. Returns false, writing nothing, when no bar is drawn there. The
 * logger calls this so a log line never lands on the bar's line.
 */
export function writeAboveProgress(stream: NodeJS.WritableStream, text: string): boolean {
  if (!active || active.stream !== stream) return false;
  active.printAbove(text);
  return true;
}

/**
 * A byte progress bar on stderr for long work (cli-progress): bytes done/total, speed, ETA. Drawn
 * only when stderr is a terminal and output is not --json, so scripts and logs never see redraws
 * (lines given to `line()` are still printed). With NO_COLOR it redraws with `\r` and spaces only.
 */
export function byteProgress(enabled: boolean, title: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!enabled || !isTerminal(stream)) {
    return { update: () => undefined, line: (text) => void stream.write(`${text}\n`), stop: () => undefined };
  }
  const multi = new cliProgress.MultiBar({
    stream,
    format: '{title} [{bar}] {percentage}% | {value}/{total} | {speed}/s ETA {eta_formatted}',
    formatValue: (v, options, type) => (type === 'value' || type === 'total' ? formatBytes(Number(v)) : cliProgress.Format.ValueFormat(v, options, type)),
    formatTime: (t, options, round) => (typeof t === 'number' ? cliProgress.Format.TimeFormat(t, options, round) : '-'),
    barsize: 15, // the line fits 80 columns with a short title; a narrower terminal cuts its end
    barCompleteChar: '#',
    barIncompleteChar: '-',
    fps: 10,
    hideCursor: true,
    linewrap: true, // leave the terminal's wrapping alone: the library cuts the line to the width
    clearOnComplete: false,
    emptyOnZero: true,
    // A log line clears the bar's line: redraw it even when its numbers did not change.
    forceRedraw: true,
    gracefulExit: false, // signals are handled below, without swallowing them
    ...(escapesAllowed(stream) ? {} : { terminal: new PlainTerminal(stream) }),
  } as cliProgress.Options);
  // The redraw timer must never keep the process alive (a command that throws before stop()).
  const unref = (): void => void (multi as unknown as { timer?: NodeJS.Timeout | null }).timer?.unref?.();
  multi.on('start', unref);
  multi.on('update-post', unref);

  let bar: cliProgress.SingleBar | null = null;
  const t0 = Date.now();
  let stopped = false;
  const self = {
    stream,
    printAbove(text: string) {
      multi.log(text.endsWith('\n') ? text : `${text}\n`);
      multi.update(); // now, not at the next frame: the order of output is kept
    },
  };
  // Ctrl-C or a kill while drawing: end the bar (cursor shown again), then die of the signal as usual.
  const onSignal = (signal: NodeJS.Signals): void => {
    stop();
    process.kill(process.pid, signal);
  };
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', stop);
    if (active === self) active = null;
    if (bar) multi.stop();
  };
  return {
    update(done, total, label = '') {
      if (stopped) return;
      const now = Date.now();
      const payload = {
        title: label ? `${title} ${label}` : title,
        speed: formatBytes(Math.round(done / Math.max(0.001, (now - t0) / 1000))),
      };
      if (!bar) {
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        process.once('exit', stop); // a command that ends without stop(): the cursor still comes back
        active = self;
        bar = multi.create(total, done, payload);
        return;
      }
      if (bar.getTotal() !== total) bar.setTotal(total);
      bar.update(done, payload);
    },
    line(text) {
      if (bar && !stopped) self.printAbove(text);
      else stream.write(`${text}\n`);
    },
    stop,
  };
}

/**
 * cli-progress's terminal for a terminal where escape sequences are not allowed (NO_COLOR): the
 * one bar line is redrawn with `\r` and padded with spaces; no cursor movement, hiding or erasing.
 */
class PlainTerminal {
  private shown = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  isTTY(): boolean {
    return true;
  }

  getWidth(): number {
    return this.stream.columns || 80;
  }

  write(text: string, raw = false): void {
    if (raw) {
      this.stream.write(text); // log lines, after clearLine()
      return;
    }
    const line = text.slice(0, Math.max(20, this.getWidth() - 1));
    this.stream.write(`\r${line}${' '.repeat(Math.max(0, this.shown - line.length))}`);
    this.shown = line.length;
  }

  clearLine(): void {
    if (this.shown === 0) return;
    this.stream.write(`\r${' '.repeat(this.shown)}\r`);
    this.shown = 0;
  }

  newline(): void {
    this.stream.write('\n');
    this.shown = 0;
  }

  cursorTo(): void {}
  cursorRelative(): void {}
  cursorRelativeReset(): void {}
  cursorSave(): void {}
  cursorRestore(): void {}
  cursor(): void {}
  clearRight(): void {}
  clearBottom(): void {}
  lineWrapping(): void {}
}
