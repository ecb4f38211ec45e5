import { afterEach, describe, expect, it } from 'vitest';
import type { RedbackError } from '../../shared/errors/index.js';
import { silentLogger } from '../../shared/log/logger.js';
import { TransferRelay, type DownloadEnd, type RelayedChunk, type UploadEnd } from '../../coordinator/transfer/transfer-relay.js';

const SHA = 'a'.repeat(64);

/** The source's call: records pauses, resumes and the answer. */
function upload() {
  const log: string[] = [];
  let error: RedbackError | null = null;
  let paused = false;
  const end: UploadEnd = {
    pause: () => ((paused = true), log.push('pause')),
    resume: () => ((paused = false), log.push('resume')),
    finish: (bytes) => log.push(`finish ${bytes}`),
    fail: (err) => ((error = err), log.push('fail')),
  };
  return { end, log, isPaused: () => paused, error: () => error };
}

/** The target's call: a buffer of `capacity` chunks that only empties when the test drains it. */
function download(capacity: number) {
  const buffered: RelayedChunk[] = [];
  const received: RelayedChunk[] = [];
  let ended = false;
  let error: RedbackError | null = null;
  const end: DownloadEnd = {
    write: (chunk) => {
      buffered.push(chunk);
      return buffered.length < capacity;
    },
    end: () => (ended = true),
    fail: (err) => (error = err),
  };
  return {
    end,
    /** The target reads everything buffered. */
    drain: () => received.push(...buffered.splice(0)),
    buffered: () => buffered.length,
    received,
    ended: () => ended,
    error: () => error,
  };
}

describe('transfer relay', () => {
  const relays: TransferRelay[] = [];
  const relay = (options = {}) => {
    const r = new TransferRelay(silentLogger, options);
    relays.push(r);
    return r;
  };
  afterEach(() => relays.splice(0).forEach((r) => r.stop()));
  const request = { sourceAgentId: 'A', targetAgentId: 'B', instance: 'main', backupId: '20261124T031500Z-3fa9c1' };

  it('pipes the header then the data; a slow target pauses the source, so at most `capacity` chunks are held', () => {
    const r = relay();
    const t = r.create(request);
    const up = upload();
    const handle = r.attachUpload('A', { transferId: t.transferId, bytes: 10 * 4, sha256: SHA, manifestJson: '{}' }, up.end);
    expect(up.isPaused()).toBe(true); // nobody to send to yet
    const down = download(3);
    const dh = r.attachDownload('B', t.transferId, down.end);
    expect(up.isPaused()).toBe(false);
    let maxBuffered = 0;
    for (let i = 0; i < 10; i++) {
      // The gRPC stream delivers no data while paused: the test does the same.
      while (up.isPaused()) {
        down.drain();
        dh.drained();
      }
      handle.data(Buffer.alloc(4, i));
      maxBuffered = Math.max(maxBuffered, down.buffered());
    }
    expect(maxBuffered).toBeLessThanOrEqual(3);
    expect(up.log.filter((l) => l === 'pause').length).toBeGreaterThan(2);
    handle.finished();
    down.drain();
    expect(down.ended()).toBe(true);
    expect(up.log.at(-1)).toBe('finish 40');
    expect('start' in down.received[0]! && down.received[0].start.sourceAgentId).toBe('A');
    expect(Buffer.concat(down.received.slice(1).map((c) => ('data' in c ? c.data : Buffer.alloc(0)))).length).toBe(40);
    expect(r.get(t.transferId)).toBeNull(); // spent
  });

  it('only the bound agents may attach, once each', () => {
    const r = relay();
    const t = r.create(request);
    expect(() => r.attachDownload('C', t.transferId, download(4).end)).toThrow(/not for agent C/);
    expect(() => r.attachUpload('B', { transferId: t.transferId, bytes: 1, sha256: SHA, manifestJson: '{}' }, upload().end)).toThrow(/not for agent B/);
    r.attachDownload('B', t.transferId, download(4).end);
    expect(() => r.attachDownload('B', t.transferId, download(4).end)).toThrow(/already used/);
    expect(() => r.attachDownload('B', 'xfer-unknown', download(4).end)).toThrow(/no transfer/);
  });

  it('fewer or more bytes than announced, or a side that drops, fail both ends with TRANSFER_FAILED', () => {
    const r = relay();
    for (const [what, act] of [
      ['short', (h: { finished(): void }) => h.finished()],
      ['long', (h: { data(b: Buffer): void }) => h.data(Buffer.alloc(8))],
      ['dropped', (h: { aborted(w: string): void }) => h.aborted('killed')],
    ] as const) {
      const t = r.create(request);
      const up = upload();
      const down = download(100);
      const h = r.attachUpload('A', { transferId: t.transferId, bytes: 4, sha256: SHA, manifestJson: '{}' }, up.end);
      r.attachDownload('B', t.transferId, down.end);
      h.data(Buffer.alloc(2));
      (act as (h: unknown) => void)(h);
      expect(down.error()?.code, what).toBe('TRANSFER_FAILED');
      expect(up.error()?.code, what).toBe('TRANSFER_FAILED');
      expect(down.ended(), what).toBe(false);
    }
  });

  it('a transfer nobody attaches to expires; one waiting on a disconnected agent fails', async () => {
    const connected = new Set(['A', 'B']);
    const r = relay({ attachTimeoutMs: 50, sweepMs: 10, isConnected: (id: string) => connected.has(id) });
    const t = r.create(request);
    const ended: string[] = [];
    r.onEnd(t.transferId, (v) => ended.push(v.error ?? ''));
    await new Promise((res) => setTimeout(res, 120));
    expect(ended[0]).toMatch(/did not attach within/);

    const r2 = relay({ attachTimeoutMs: 60_000, sweepMs: 10, isConnected: (id: string) => connected.has(id) });
    const t2 = r2.create(request);
    const down = download(4);
    r2.attachDownload('B', t2.transferId, down.end);
    connected.delete('A');
    await new Promise((res) => setTimeout(res, 60));
    expect(down.error()?.message).toMatch(/source agent A is not connected/);
  });
});
