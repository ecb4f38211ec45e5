// Importing this module registers the restore sources this agent has (each registers itself).
import './local-copy-source.js';
import './dump-source.js';
import './offsite-source.js';
import './aof-archive-source.js';
import './remote-agent-source.js';

export { localCopySource, expectedOfManifest } from './local-copy-source.js';
export { offsiteSetSource, expectedOfSet, describeSet, openOffsiteSetSource } from './offsite-source.js';
export { remoteAgentSource } from './remote-agent-source.js';
export { openArchiveSource, archiveSourceId, LATEST } from './aof-archive-source.js';
export { dumpSource, inspectDump, type DumpInspection } from './dump-source.js';
export {
  openRestoreSource,
  registerRestoreSource,
  totalKeysOf,
  type ConfigFile,
  type ExpectedRdb,
  type FetchOptions,
  type FetchResult,
  type RestoreSource,
  type SourceDescriptor,
  type SourceKind,
  type SourceOpener,
} from './restore-source.js';
