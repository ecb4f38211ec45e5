/**
 * LZF decompression (the liblzf format Redis uses for compressed RDB strings). Only needed for the
 * few strings redback actually reads (AUX values); everything else is skipped without decoding.
 *
 * Format: a control byte c. If c < 32, c + 1 literal bytes follow. Otherwise it is a back
 * reference: length (c >> 5) + 2, where a length field of 7 continues in the next byte (added),
 * and offset ((c & 0x1f) << 8 | next byte) + 1 bytes back from the current output position.
 */

/**
 * Decompresses `input` into exactly `outputLength` bytes. Returns null when the data is not valid
 * LZF or does not decompress to exactly `outputLength` bytes.
 */
export function lzfDecompress(input: Uint8Array, outputLength: number): Uint8Array | null {
  const out = new Uint8Array(outputLength);
  let ip = 0;
  let op = 0;
  const inEnd = input.length;
  while (ip < inEnd) {
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (ip + run > inEnd || op + run > outputLength) return null;
      out.set(input.subarray(ip, ip + run), op);
      ip += run;
      op += run;
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= inEnd) return null;
        len += input[ip++]!;
      }
      if (ip >= inEnd) return null;
      const ref = op - ((ctrl & 0x1f) << 8) - input[ip++]! - 1;
      len += 2;
      if (ref < 0 || op + len > outputLength) return null;
      // Byte by byte: the source may overlap the destination (run-length style references).
      for (let i = 0; i < len; i++) out[op + i] = out[ref + i]!;
      op += len;
    }
  }
  return op === outputLength ? out : null;
}

/**
 * Decompresses only the first `want` bytes of an LZF stream (or fewer when the stream is shorter),
 * e.g. to read the header of a compressed listpack without decompressing it. Null when the bytes
 * read are not valid LZF.
 */
export function lzfDecompressPrefix(input: Uint8Array, want: number): Uint8Array | null {
  const out = new Uint8Array(want + 264); // one back reference produces at most 264 bytes
  let ip = 0;
  let op = 0;
  const inEnd = input.length;
  while (ip < inEnd && op < want) {
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      const run = Math.min(ctrl + 1, inEnd - ip, out.length - op);
      out.set(input.subarray(ip, ip + run), op);
      ip += run;
      op += run;
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= inEnd) return null;
        len += input[ip++]!;
      }
      if (ip >= inEnd) return null;
      const ref = op - ((ctrl & 0x1f) << 8) - input[ip++]! - 1;
      len += 2;
      if (ref < 0) return null;
      len = Math.min(len, out.length - op);
      for (let i = 0; i < len; i++) out[op + i] = out[ref + i]!;
      op += len;
    }
  }
  return out.subarray(0, Math.min(op, want));
}
