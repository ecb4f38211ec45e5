/**
 * What redback may write to a terminal. Escape sequences (erase line, colours) only when the
 * stream is a terminal, TERM is not `dumb` and NO_COLOR (https://no-color.org) is not set; a
 * pipe, a file or a CI log never sees one.
 */
export function isTerminal(stream: { isTTY?: boolean } = process.stderr): boolean {
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}

export function noColor(): boolean {
  const v = process.env.NO_COLOR;
  return v !== undefined && v !== '';
}

export function escapesAllowed(stream: { isTTY?: boolean } = process.stderr): boolean {
  return isTerminal(stream) && !noColor();
}

interface LineStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * One status line redrawn in place on a terminal (a progress bar, "waiting for ..."). `print()`
 * puts a normal line above it, `end()` leaves its last text on its own line: later output never
 * overwrites it. Without escape sequences (NO_COLOR) it pads with spaces instead of erasing.
 */
export class StatusLine {
  private shown = 0;

  constructor(private readonly stream: LineStream = process.stderr) {}

  /** The status line being shown on stderr, if any: log lines clear it before they are written. */
  static current: StatusLine | null = null;

  get active(): boolean {
    return this.shown > 0;
  }

  show(text: string): void {
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    const line = text.length > width ? text.slice(0, width) : text;
    const erase = escapesAllowed(this.stream) ? '\x1b[K' : ' '.repeat(Math.max(0, this.shown - line.length));
    this.stream.write(`\r${line}${erase}`);
    this.shown = Math.max(line.length, 1);
    StatusLine.current = this;
  }

  clear(): void {
    if (this.shown === 0) return;
    this.stream.write(escapesAllowed(this.stream) ? '\r\x1b[K' : `\r${' '.repeat(this.shown)}\r`);
    this.shown = 0;
    if (StatusLine.current === this) StatusLine.current = null;
  }

  /** Ends the status line: its text stays, the cursor goes to the next line. */
  end(): void {
    if (this.shown === 0) return;
    this.stream.write('\n');
    this.shown = 0;
    if (StatusLine.current === this) StatusLine.current = null;
  }

  print(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
  }
}
