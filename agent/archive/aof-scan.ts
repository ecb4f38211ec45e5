/**
 * Scans AOF bytes that start on a command boundary: RESP arrays of bulk strings
 * (`*<n>\r\n` then n × `$<len>\r\n<bytes>\r\n`) and annotation lines (`#...\r\n`, of which
 * `#TS:<unix seconds>\r\n` is the timestamp Redis writes with `aof-timestamp-enabled yes`).
 *
 * Returns where the last complete item ends (a segment cut there is a valid AOF on its own) and
 * the first and last `#TS:` seen. Bytes that are not an AOF (`ok: false`) stop the scan at the last
 * good boundary.
 */
export interface AofScan {
  /** Bytes from the start that are complete items. */
  boundary: number;
  firstTs: number | null;
  lastTs: number | null;
  /** False when bytes past `boundary` are not AOF syntax (as opposed to merely incomplete). */
  ok: boolean;
}

const CR = 13;
const LF = 10;

/** The integer of a `<prefix><digits>\r\n` line starting at `at`; null when incomplete; NaN when malformed. */
function readLine(buf: Buffer, at: number): { value: string; next: number } | null {
  const end = buf.indexOf(LF, at);
  if (end < 0) return null;
  if (end === at || buf[end - 1] !== CR) return { value: '\u0000', next: end + 1 };
  return { value: buf.toString('latin1', at, end - 1), next: end + 1 };
}

export function scanAof(buf: Buffer, limit = buf.length): AofScan {
  let pos = 0;
  let firstTs: number | null = null;
  let lastTs: number | null = null;
  const bad = (): AofScan => ({ boundary: pos, firstTs, lastTs, ok: false });
  const done = (): AofScan => ({ boundary: pos, firstTs, lastTs, ok: true });
  while (pos < limit) {
    const c = buf[pos];
    if (c === 0x23 /* # */) {
      const line = readLine(buf, pos);
      if (!line || line.next > limit) return done();
      if (line.value === '\u0000') return bad();
      if (line.value.startsWith('#TS:')) {
        const ts = Number(line.value.slice(4));
        if (Number.isSafeInteger(ts)) {
          if (firstTs === null) firstTs = ts;
          lastTs = ts;
        }
      }
      pos = line.next;
      continue;
    }
    if (c !== 0x2a /* * */) return bad();
    const head = readLine(buf, pos);
    if (!head || head.next > limit) return done();
    const n = Number(head.value.slice(1));
    if (!Number.isSafeInteger(n) || n < 0) return bad();
    let at = head.next;
    let complete = true;
    for (let i = 0; i < n; i++) {
      if (at >= limit) {
        complete = false;
        break;
      }
      if (buf[at] !== 0x24 /* $ */) return bad();
      const bulk = readLine(buf, at);
      if (!bulk || bulk.next > limit) {
        complete = false;
        break;
      }
      const len = Number(bulk.value.slice(1));
      if (!Number.isSafeInteger(len) || len < 0) return bad();
      const end = bulk.next + len + 2;
      if (end > limit) {
        complete = false;
        break;
      }
      if (buf[end - 2] !== CR || buf[end - 1] !== LF) return bad();
      at = end;
    }
    if (!complete) return done();
    pos = at;
  }
  return done();
}
