export {
  aofManifestPath,
  entryPath,
  findAofManifest,
  lastFile,
  loadedFiles,
  parseAofManifest,
  readAofManifest,
  DEFAULT_APPENDDIRNAME,
  DEFAULT_APPENDFILENAME,
  type AofFileType,
  type AofManifest,
  type AofManifestEntry,
} from './aof-manifest.js';
export {
  checkAof,
  fixAof,
  interpretCheckOutput,
  truncateToTimestamp,
  type AofCheckResult,
  type AofCheckStatus,
  type AofDamage,
  type AofFileAnalysis,
  type CheckAofOptions,
  type FixAofResult,
  type TruncateToTimestampResult,
} from './check-aof.js';
export { linkAofDir, type LinkAofOptions, type LinkAofResult, type LinkedAofFile } from './aof-snapshot.js';
export { detectAofTrap, type AofTrap, type AofTrapInput, type AofTrapReason } from './trap.js';
