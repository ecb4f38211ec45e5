import { describe, expect, it } from 'vitest';
import { Crc64, crc64, crc64Hex, crc64Implementation, crc64Js } from '../../shared/rdb/crc64.js';

/** Bit-at-a-time reference: reflected Jones polynomial, init 0, xorout 0. */
function referenceCrc64(data: Uint8Array): bigint {
  const poly = 0x95ac9329ac4bc9b5n;
  let crc = 0n;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let i = 0; i < 8; i++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return crc;
}

/** Deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

function randomBytes(length: number, random: () => number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('crc64 (Jones, as Redis uses it)', () => {
  it('gives the check value for "123456789"', () => {
    expect(crc64(ascii('123456789'))).toBe(0xe9c6d914c4b8d9can);
    expect(new Crc64().update(ascii('123456789')).digestHex()).toBe('e9c6d914c4b8d9ca');
    expect(crc64Js(ascii('123456789'))).toBe(0xe9c6d914c4b8d9can);
  });

  it('is 0 for empty input', () => {
    expect(crc64(new Uint8Array(0))).toBe(0n);
    expect(new Crc64().digestHex()).toBe('0000000000000000');
    expect(new Crc64().update(new Uint8Array(0)).digest()).toBe(0n);
  });

  it('uses the fast WebAssembly path on this machine', () => {
    expect(crc64Implementation).toBe('wasm');
  });

  it('matches a bit-at-a-time reference for every length up to 600 and unaligned starts', () => {
    const random = rng(42);
    const pool = randomBytes(700, random);
    for (let length = 0; length <= 600; length++) {
      const start = length % 7;
      const data = pool.subarray(start, start + length);
      const expected = referenceCrc64(data);
      expect(crc64(data), `length ${length}`).toBe(expected);
      expect(crc64Js(data), `js length ${length}`).toBe(expected);
    }
  });

  it('incremental updates equal one shot', () => {
    const data = ascii('The quick brown fox jumps over the lazy dog. '.repeat(50));
    const oneShot = crc64(data);
    const c = new Crc64();
    for (let i = 0; i < data.length; i += 13) c.update(data.subarray(i, i + 13));
    expect(c.digest()).toBe(oneShot);
    // A seed continues a previous CRC.
    expect(crc64(data.subarray(1000), crc64(data.subarray(0, 1000)))).toBe(oneShot);
    expect(crc64Hex(oneShot)).toBe(c.digestHex());
  });

  it('random buffers split at random points equal one shot (both paths, across the 1 MiB window)', () => {
    const random = rng(7);
    for (let round = 0; round < 12; round++) {
      const length = round < 6 ? Math.floor(random() * 5000) : Math.floor(random() * 3_000_000);
      const data = randomBytes(length, random);
      const oneShot = crc64(data);
      expect(crc64Js(data)).toBe(oneShot);
      if (length <= 5000) expect(oneShot).toBe(referenceCrc64(data));
      const c = new Crc64();
      let pos = 0;
      while (pos < length) {
        const size = random() < 0.3 ? Math.floor(random() * 20) : Math.floor(random() * (length / 3 + 1));
        c.update(data.subarray(pos, pos + size));
        pos += size;
      }
      expect(c.digest(), `round ${round}, length ${length}`).toBe(oneShot);
    }
  });

  it('digestHex is 16 lowercase hex digits', () => {
    const c = new Crc64().update(ascii('a'));
    expect(c.digestHex()).toMatch(/^[0-9a-f]{16}$/);
    expect(BigInt(`0x${c.digestHex()}`)).toBe(c.digest());
  });
});
