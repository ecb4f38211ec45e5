/**
 * The byte progress bar (cli-progress) drawn on a stream that says it is a terminal: lines and log
 * lines land above the bar, stop() ends its line, NO_COLOR draws it without one escape sequence.
 * The real CLI under a real pty is covered by test/agent/terminal-output.test.ts.
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { byteProgress, writeAboveProgress } from '../../shared/output/progress.js';

function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns: 120 });
  return { stream, text: () => text };
}

const saved = { TERM: process.env.TERM, NO_COLOR: process.env.NO_COLOR };
beforeEach(() => {
  process.env.TERM = 'xterm';
  delete process.env.NO_COLOR;
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
/** What a terminal shows per line: the text after the last return to column 1 (`\r`, CSI G) of each line. */
const screenLines = (s: string) => strip(s.replace(/\x1b\[1?G/g, '\r')).split('\n').map((l) => l.replace(/^[\s\S]*\r/, '').trimEnd());

describe('byteProgress', () => {
  it('line() and log lines go above the bar; stop() leaves the last state on its own line', () => {
    const t = fakeTerminal();
    const p = byteProgress(true, 'upload main', t.stream);
    p.update(1024 * 1024, 4 * 1024 * 1024);
    p.line('job j1: running');
    expect(writeAboveProgress(t.stream, '[12:00:00] INFO (redback): a log line\n')).toBe(true);
    expect(writeAboveProgress(process.stdout, 'elsewhere\n')).toBe(false); // not the bar's stream
    p.update(4 * 1024 * 1024, 4 * 1024 * 1024);
    p.stop();
    expect(writeAboveProgress(t.stream, 'after\n')).toBe(false); // no bar any more
    t.stream.write('next output\n');
    const lines = screenLines(t.text());
    expect(lines[0]).toBe('job j1: running');
    expect(lines[1]).toBe('[12:00:00] INFO (redback): a log line');
    expect(lines[2]).toMatch(/^upload main \[#+\] 100% \| 4\.0 MiB\/4\.0 MiB \| [\d.]+ \S+\/s ETA \S+$/);
    expect(lines[3]).toBe('next output');
    expect(t.text()).toMatch(/\x1b\[\?25l/); // cursor hidden while drawing ...
    expect(t.text().lastIndexOf('\x1b[?25h')).toBeGreaterThan(t.text().lastIndexOf('\x1b[?25l')); // ... and shown again
  });

  it('NO_COLOR: the same lines, without one escape sequence', () => {
    process.env.NO_COLOR = '1';
    const t = fakeTerminal();
    const p = byteProgress(true, 'verify', t.stream);
    p.update(10, 100, 'copy-a');
    p.line('a line');
    p.update(100, 100, 'copy-a');
    p.stop();
    expect(t.text()).not.toMatch(/\x1b/);
    const lines = screenLines(t.text());
    expect(lines[0]).toBe('a line');
    expect(lines[1]).toMatch(/^verify copy-a \[#+\] 100% \| 100 B\/100 B/);
    expect(t.text().endsWith('\n')).toBe(true);
  });

  it('disabled (--json) or not a terminal: no bar, lines printed plainly', () => {
    const t = fakeTerminal();
    const p = byteProgress(false, 'snapshot', t.stream);
    p.update(1, 2);
    p.line('plain');
    p.stop();
    expect(writeAboveProgress(t.stream, 'x\n')).toBe(false);
    expect(t.text()).toBe('plain\n');
    process.env.TERM = 'dumb';
    const d = fakeTerminal();
    const q = byteProgress(true, 'snapshot', d.stream);
    q.update(1, 2);
    q.line('plain');
    q.stop();
    expect(d.text()).toBe('plain\n');
  });
});
