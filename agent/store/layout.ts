import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { compactTimestamp, TEMP_PREFIX } from '../../shared/fs/durable.js';
import type { Tier } from '../../shared/manifest/copy-manifest.js';

/**
 * Every path in the local backup directory is built here and nowhere else:
 *
 *   <backupDir>/<instance>/<tier>/<id>.rdb             the copy (0600)
 *   <backupDir>/<instance>/<tier>/<id>.manifest.json   its manifest; present = copy complete
 *   <backupDir>/<instance>/<tier>/.tmp-*               a copy being written (removed on start)
 *   <backupDir>/<instance>/quarantine/<ts>-<label>/    bad copies and replaced live files
 *   <backupDir>/<instance>/.lock                       held while an operation runs
 *   <backupDir>/<instance>/.offsite.lock               held while an offsite set is uploaded
 *   <backupDir>/<instance>/state.json                  what the agent last saw of the instance
 *   <backupDir>/<instance>/<tier>/.del-<id>.rdb        a copy being deleted (removed on start)
 *   <backupDir>/.agent/                                agent-wide state:
 *   <backupDir>/.agent/schedule.json                     the schedule the coordinator last sent
 *   <backupDir>/.agent/offsite.json                      the offsite target the coordinator last sent (0600)
 *   <backupDir>/.agent/jobs/                             the job ledger (jobs run for the coordinator)
 *   <backupDir>/.agent/runbooks/<instance>/<run>.json    runbook journals (JournalStore)
 *   <backupDir>/.agent/control/<instance>/               pid file and log of a 'process'-controlled Redis
 *
 * Files are written only through `LocalStore` (copies, manifests, quarantine) or the owner named
 * above; nobody else joins paths under the backup directory.
 */
export class BackupLayout {
  constructor(readonly backupDir: string) {}

  instanceDir(instance: string): string {
    return join(this.backupDir, instance);
  }

  tierDir(instance: string, tier: Tier): string {
    return join(this.backupDir, instance, tier);
  }

  rdbFile(instance: string, tier: Tier, id: string): string {
    return join(this.tierDir(instance, tier), `${id}${RDB_SUFFIX}`);
  }

  manifestFile(instance: string, tier: Tier, id: string): string {
    return join(this.tierDir(instance, tier), `${id}${MANIFEST_SUFFIX}`);
  }

  /** Where the copy `id` is written before it is complete (a `.tmp-` name: never listed, removed on start). */
  tempRdbFile(instance: string, tier: Tier, id: string): string {
    return join(this.tierDir(instance, tier), `${TEMP_PREFIX}${id}${RDB_SUFFIX}`);
  }

  /** The name a copy's RDB is renamed to while it is deleted. */
  deletingRdbFile(instance: string, tier: Tier, id: string): string {
    return join(this.tierDir(instance, tier), `${DELETING_PREFIX}${id}${RDB_SUFFIX}`);
  }

  quarantineDir(instance: string): string {
    return join(this.backupDir, instance, 'quarantine');
  }

  lockFile(instance: string): string {
    return join(this.backupDir, instance, '.lock');
  }

  offsiteLockFile(instance: string): string {
    return join(this.backupDir, instance, '.offsite.lock');
  }

  stateFile(instance: string): string {
    return join(this.backupDir, instance, 'state.json');
  }

  agentStateDir(): string {
    return join(this.backupDir, '.agent');
  }

  scheduleCacheFile(): string {
    return join(this.agentStateDir(), 'schedule.json');
  }

  offsiteCacheFile(): string {
    return join(this.agentStateDir(), 'offsite.json');
  }

  jobLedgerDir(): string {
    return join(this.agentStateDir(), 'jobs');
  }

  controlDir(instance: string): string {
    return join(this.agentStateDir(), 'control', instance);
  }
}

export const RDB_SUFFIX = '.rdb';
export const MANIFEST_SUFFIX = '.manifest.json';
/** Prefix of a copy being deleted by retention (renamed first, so it is never half-listed). */
export const DELETING_PREFIX = '.del-';

/** `20261124T031500Z-3fa9c1`: sortable by time, unique per instance. */
export function newCopyId(now: Date): string {
  return `${compactTimestamp(now)}-${randomBytes(3).toString('hex')}`;
}
