export { Crc64, TrailerCrc, crc64, crc64Hex, crc64Implementation } from './crc64.js';
export { lzfDecompress } from './lzf.js';
export { AUX_MAX_BYTES, RDB_MAX_VERSION, RDB_MIN_VERSION, RdbStreamReader, readRdbFile } from './rdb-reader.js';
export type { RdbDatabaseSummary, RdbSummary } from './rdb-summary.js';
