import { describe, expect, it } from 'vitest';
import { scanAof } from '../../agent/archive/aof-scan.js';

const cmd = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

describe('scanAof', () => {
  it('finds the last complete command and the first/last #TS annotation', () => {
    const text = `#TS:100\r\n${cmd('SET', 'a', '1')}${cmd('SET', 'b', 'x\r\n#TS:999\r\n')}#TS:102\r\n${cmd('SET', 'c', '3')}`;
    const whole = Buffer.from(text);
    expect(scanAof(whole)).toEqual({ boundary: whole.length, firstTs: 100, lastTs: 102, ok: true });
    // a value that looks like an annotation is not one; a cut inside a command stops before it
    const cut = Buffer.from(text + '*3\r\n$3\r\nSET\r\n$1\r\nd');
    expect(scanAof(cut)).toEqual({ boundary: whole.length, firstTs: 100, lastTs: 102, ok: true });
    const cutInLine = Buffer.from(text + '#TS:10');
    expect(scanAof(cutInLine).boundary).toBe(whole.length);
  });

  it('stops at bytes that are not AOF', () => {
    const good = cmd('SET', 'a', '1');
    const r = scanAof(Buffer.from(good + 'garbage'));
    expect(r).toMatchObject({ boundary: good.length, ok: false });
  });
});
