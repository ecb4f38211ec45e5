/**
 * CRC-64/Jones as Redis computes it over RDB files (src/crc64.c): polynomial 0xad93d23594c935a9,
 * reflected in and out, init 0, xorout 0 (reflected constant 0x95ac9329ac4bc9b5).
 * Check value: crc64("123456789") === 0xe9c6d914c4b8d9can.
 *
 * Two table-driven implementations of the same tables:
 *
 * - A hand-assembled WebAssembly function (slicing-by-16 with native i64 table entries), built as
 *   bytes below when this module loads. Data is copied into the module's memory in pieces of at
 *   most 1 MiB. This is the fast path (about 2x the JavaScript one).
 * - Plain JavaScript slicing-by-8: 64-bit table entries split into low and high 32-bit halves
 *   (Int32Array tables), no BigInt in the hot loop. Used for short inputs and as a fallback when
 *   WebAssembly is unavailable.
 *
 * BigInt is only used to hand out the digest.
 */

const POLY_LO = 0xac4bc9b5 | 0;
const POLY_HI = 0x95ac9329 | 0;

/**
 * 16 tables of 256 64-bit entries, the low and high halves interleaved: entry b of table k is
 * `(TABLE[(k * 256 + b) * 2], TABLE[(k * 256 + b) * 2 + 1])`, which on a little-endian machine is
 * exactly the i64 layout the WebAssembly code loads. Table k is the CRC of byte b followed by k
 * zero bytes.
 */
const TABLE: Int32Array = (() => {
  const t = new Int32Array(16 * 256 * 2);
  for (let b = 0; b < 256; b++) {
    let lo = b;
    let hi = 0;
    for (let i = 0; i < 8; i++) {
      const carry = lo & 1;
      lo = (lo >>> 1) | ((hi & 1) << 31);
      hi = hi >>> 1;
      if (carry) {
        lo ^= POLY_LO;
        hi ^= POLY_HI;
      }
    }
    t[b * 2] = lo;
    t[b * 2 + 1] = hi;
  }
  for (let k = 1; k < 16; k++) {
    for (let b = 0; b < 256; b++) {
      const prev = ((k - 1) * 256 + b) * 2;
      const plo = t[prev]!;
      const phi = t[prev + 1]!;
      const idx = (plo & 0xff) * 2;
      const cur = (k * 256 + b) * 2;
      t[cur] = ((plo >>> 8) | (phi << 24)) ^ t[idx]!;
      t[cur + 1] = (phi >>> 8) ^ t[idx + 1]!;
    }
  }
  return t;
})();

/** Tables 0..7 as separate low/high arrays for the JavaScript path (index k * 256 + b). */
const JS_LO = new Int32Array(8 * 256);
const JS_HI = new Int32Array(8 * 256);
for (let i = 0; i < 8 * 256; i++) {
  JS_LO[i] = TABLE[i * 2]!;
  JS_HI[i] = TABLE[i * 2 + 1]!;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Results of the JavaScript path (two int32 halves), to return two values without allocating. */
let outLo = 0;
let outHi = 0;

function updateJs(lo: number, hi: number, data: Uint8Array, start: number, end: number): void {
  const L = JS_LO;
  const H = JS_HI;
  let i = start;
  if (LITTLE_ENDIAN && end - i >= 64) {
    // Byte-wise until the address is 4-byte aligned, then 8 bytes at a time through an Int32Array view.
    while (((data.byteOffset + i) & 3) !== 0) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = L[idx]! ^ (lo >>> 8) ^ (hi << 24);
      hi = H[idx]! ^ (hi >>> 8);
      i++;
    }
    const blocks = (end - i) >>> 3;
    if (blocks > 0) {
      const w = new Int32Array(data.buffer, data.byteOffset + i, blocks * 2);
      const n = blocks * 2;
      for (let j = 0; j < n; j += 2) {
        const a = w[j]! ^ lo;
        const b = w[j + 1]! ^ hi;
        const i0 = 1792 | (a & 255);
        const i1 = 1536 | ((a >>> 8) & 255);
        const i2 = 1280 | ((a >>> 16) & 255);
        const i3 = 1024 | (a >>> 24);
        const i4 = 768 | (b & 255);
        const i5 = 512 | ((b >>> 8) & 255);
        const i6 = 256 | ((b >>> 16) & 255);
        const i7 = b >>> 24;
        lo = L[i0]! ^ L[i1]! ^ L[i2]! ^ L[i3]! ^ L[i4]! ^ L[i5]! ^ L[i6]! ^ L[i7]!;
        hi = H[i0]! ^ H[i1]! ^ H[i2]! ^ H[i3]! ^ H[i4]! ^ H[i5]! ^ H[i6]! ^ H[i7]!;
      }
      i += blocks * 8;
    }
  }
  for (; i < end; i++) {
    const idx = (lo ^ data[i]!) & 0xff;
    lo = L[idx]! ^ (lo >>> 8) ^ (hi << 24);
    hi = H[idx]! ^ (hi >>> 8);
  }
  outLo = lo | 0;
  outHi = hi | 0;
}

// ---------------------------------------------------------------------------------------------
// The WebAssembly path.
//
// Memory layout (17 pages of 64 KiB): [0, 32768) the 16 tables as i64, [32768, 32776) the CRC
// state as i64, [65536, 65536 + 1 MiB) the input window. One exported function:
//
//   (func (export "update") (param $p i32) (param $n i32)
//     (local $crc i64) (local $x i64) (local $end i32) (local $end16 i32)
//     (local $a i32) (local $b i32) (local $c i32) (local $d i32)
//     crc = i64.load(32768)
//     while p + 16 <= end16:                     ;; end16 = p + (n & ~15)
//       x = crc ^ i64.load(p); a = wrap(x); b = wrap(x >> 32)
//       x = i64.load(p + 8);   c = wrap(x); d = wrap(x >> 32)
//       crc = T15[a & 255] ^ T14[a >> 8 & 255] ^ ... ^ T0[d >> 24]   ;; 16 i64.load
//       p += 16
//     while p < end: crc = T0[(wrap(crc) ^ load8_u(p)) & 255] ^ (crc >> 8); p += 1
//     i64.store(32768, crc))
// ---------------------------------------------------------------------------------------------

const WASM_STATE = 32768;
const WASM_DATA = 65536;
const WASM_WINDOW = 1 << 20;
/** Inputs shorter than this stay in JavaScript (copy + call overhead). */
const WASM_MIN = 256;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function assembleWasm(): Uint8Array {
  // Opcodes.
  const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;
  const I32_CONST = 0x41, I64_CONST = 0x42;
  const I64_LOAD = 0x29, I32_LOAD8_U = 0x2d, I64_STORE = 0x37;
  const I32_GE_U = 0x4f, I32_ADD = 0x6a, I32_AND = 0x71, I32_XOR = 0x73, I32_SHL = 0x74, I32_SHR_U = 0x76;
  const I64_XOR = 0x85, I64_SHR_U = 0x88, I32_WRAP_I64 = 0xa7;
  const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40;
  // Locals: params p, n; then crc, x (i64); end, end16, a, b, c, d (i32).
  const P = 0, N = 1, CRC = 2, X = 3, END_ = 4, END16 = 5, A = 6, B = 7, C = 8, D = 9;

  const c: number[] = [];
  const get = (i: number): void => void c.push(LOCAL_GET, i);
  const set = (i: number): void => void c.push(LOCAL_SET, i);
  const tee = (i: number): void => void c.push(LOCAL_TEE, i);
  const i32 = (v: number): void => void c.push(I32_CONST, ...sleb(v));
  const i64 = (v: number): void => void c.push(I64_CONST, ...sleb(v));
  const load64 = (offset: number): void => void c.push(I64_LOAD, 3, ...uleb(offset));

  i32(0); load64(WASM_STATE); set(CRC);
  get(P); get(N); c.push(I32_ADD); set(END_);
  get(P); get(N); i32(-16); c.push(I32_AND, I32_ADD); set(END16);
  // 16 bytes at a time.
  c.push(BLOCK, VOID, LOOP, VOID);
  get(P); get(END16); c.push(I32_GE_U, BR_IF, 1);
  get(CRC); get(P); load64(0); c.push(I64_XOR); tee(X); c.push(I32_WRAP_I64); set(A);
  get(X); i64(32); c.push(I64_SHR_U, I32_WRAP_I64); set(B);
  get(P); load64(8); tee(X); c.push(I32_WRAP_I64); set(C);
  get(X); i64(32); c.push(I64_SHR_U, I32_WRAP_I64); set(D);
  let table = 15;
  for (const v of [A, B, C, D]) {
    for (let m = 0; m < 4; m++) {
      // ((v >> 8m) & 255) * 8, as one shift and one mask.
      get(v);
      if (m === 0) {
        i32(3); c.push(I32_SHL);
      } else {
        i32(8 * m - 3); c.push(I32_SHR_U);
      }
      i32(0x7f8); c.push(I32_AND);
      load64(table * 2048);
      if (table !== 15) c.push(I64_XOR);
      table--;
    }
  }
  set(CRC);
  get(P); i32(16); c.push(I32_ADD); set(P);
  c.push(BR, 0, END, END);
  // The remaining bytes one at a time.
  c.push(BLOCK, VOID, LOOP, VOID);
  get(P); get(END_); c.push(I32_GE_U, BR_IF, 1);
  get(CRC); c.push(I32_WRAP_I64); get(P); c.push(I32_LOAD8_U, 0, 0, I32_XOR);
  i32(255); c.push(I32_AND); i32(3); c.push(I32_SHL); load64(0);
  get(CRC); i64(8); c.push(I64_SHR_U, I64_XOR); set(CRC);
  get(P); i32(1); c.push(I32_ADD); set(P);
  c.push(BR, 0, END, END);
  i32(0); get(CRC); c.push(I64_STORE, 3, ...uleb(WASM_STATE));
  c.push(END);

  const body = [2, 2, 0x7e, 6, 0x7f, ...c]; // local groups: 2 x i64, 6 x i32
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const name = (s: string): number[] => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const pages = (WASM_DATA + WASM_WINDOW) / 65536;
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 2, 0x7f, 0x7f, 0]), // type 0: (i32, i32) -> ()
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0x00, ...uleb(pages)]), // one memory, fixed minimum
    ...section(7, [2, ...name('mem'), 0x02, 0, ...name('update'), 0x00, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

interface WasmCrc {
  update: (ptr: number, len: number) => void;
  bytes: Uint8Array;
  words: Int32Array;
}

/** The little of the WebAssembly JS API used here (the project's `lib` has no DOM/wasm typings). */
interface WasmJsApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const WASM: WasmCrc | null = (() => {
  const api = (globalThis as { WebAssembly?: WasmJsApi }).WebAssembly;
  if (!LITTLE_ENDIAN || api === undefined) return null;
  try {
    const instance = new api.Instance(new api.Module(assembleWasm()), {});
    const memory = instance.exports['mem'] as { buffer: ArrayBuffer };
    const update = instance.exports['update'] as (ptr: number, len: number) => void;
    const words = new Int32Array(memory.buffer);
    words.set(TABLE, 0);
    const wasm: WasmCrc = { update, bytes: new Uint8Array(memory.buffer), words };
    // Self-check against the JavaScript path before trusting it.
    const probe = new Uint8Array(1000);
    for (let i = 0; i < probe.length; i++) probe[i] = (i * 131 + 7) & 0xff;
    updateJs(0, 0, probe, 0, probe.length);
    const jsLo = outLo;
    const jsHi = outHi;
    updateWasm(wasm, 0, 0, probe);
    return outLo === jsLo && outHi === jsHi ? wasm : null;
  } catch {
    return null;
  }
})();

function updateWasm(wasm: WasmCrc, lo: number, hi: number, data: Uint8Array): void {
  const state = WASM_STATE >>> 2;
  wasm.words[state] = lo;
  wasm.words[state + 1] = hi;
  for (let off = 0; off < data.length; off += WASM_WINDOW) {
    const end = Math.min(data.length, off + WASM_WINDOW);
    wasm.bytes.set(off === 0 && end === data.length ? data : data.subarray(off, end), WASM_DATA);
    wasm.update(WASM_DATA, end - off);
  }
  outLo = wasm.words[state]! | 0;
  outHi = wasm.words[state + 1]! | 0;
}

function updateAny(lo: number, hi: number, data: Uint8Array): void {
  if (WASM !== null && data.length >= WASM_MIN) updateWasm(WASM, lo, hi, data);
  else updateJs(lo, hi, data, 0, data.length);
}

/** Which implementation this process uses ('wasm' or 'js'); for benchmarks and diagnostics. */
export const crc64Implementation: 'wasm' | 'js' = WASM !== null ? 'wasm' : 'js';

/** Incremental CRC-64/Jones. */
export class Crc64 {
  private lo: number;
  private hi: number;

  constructor(seed: bigint = 0n) {
    const s = BigInt.asUintN(64, seed);
    this.lo = Number(s & 0xffffffffn) | 0;
    this.hi = Number(s >> 32n) | 0;
  }

  update(data: Uint8Array): this {
    if (data.length > 0) {
      updateAny(this.lo, this.hi, data);
      this.lo = outLo;
      this.hi = outHi;
    }
    return this;
  }

  /** The CRC so far (the object can keep being updated). */
  digest(): bigint {
    return (BigInt(this.hi >>> 0) << 32n) | BigInt(this.lo >>> 0);
  }

  /** 16 lowercase hex digits. */
  digestHex(): string {
    return (this.hi >>> 0).toString(16).padStart(8, '0') + (this.lo >>> 0).toString(16).padStart(8, '0');
  }
}

/** One-shot CRC-64/Jones; `seed` continues a previous CRC: crc64(b, crc64(a)) === crc64(a ++ b). */
export function crc64(data: Uint8Array, seed: bigint = 0n): bigint {
  return new Crc64(seed).update(data).digest();
}

/** Formats a CRC as 16 lowercase hex digits. */
export function crc64Hex(value: bigint): string {
  return BigInt.asUintN(64, value).toString(16).padStart(16, '0');
}

/** For tests: the pure-JavaScript path, whatever `crc64Implementation` says. */
export function crc64Js(data: Uint8Array, seed: bigint = 0n): bigint {
  const s = BigInt.asUintN(64, seed);
  updateJs(Number(s & 0xffffffffn) | 0, Number(s >> 32n) | 0, data, 0, data.length);
  return (BigInt(outHi >>> 0) << 32n) | BigInt(outLo >>> 0);
}

/**
 * CRC-64 of a stream minus its last 8 bytes, fed in chunks of any size: the RDB trailer is the
 * CRC of every byte before it, and where the stream ends is only known at the end.
 */
export class TrailerCrc {
  private readonly crc = new Crc64();
  private readonly hold = new Uint8Array(8);
  private holdLen = 0;

  update(chunk: Uint8Array): this {
    const n = chunk.length;
    if (n >= 8) {
      if (this.holdLen > 0) this.crc.update(this.hold.subarray(0, this.holdLen));
      if (n > 8) this.crc.update(chunk.subarray(0, n - 8));
      this.hold.set(chunk.subarray(n - 8));
      this.holdLen = 8;
      return this;
    }
    const combined = new Uint8Array(this.holdLen + n);
    combined.set(this.hold.subarray(0, this.holdLen), 0);
    combined.set(chunk, this.holdLen);
    if (combined.length > 8) {
      this.crc.update(combined.subarray(0, combined.length - 8));
      this.hold.set(combined.subarray(combined.length - 8));
      this.holdLen = 8;
    } else {
      this.hold.set(combined);
      this.holdLen = combined.length;
    }
    return this;
  }

  /** The CRC of everything but the last 8 bytes fed so far. */
  digest(): bigint {
    return this.crc.digest();
  }
}
