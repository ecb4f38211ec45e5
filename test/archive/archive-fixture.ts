import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { waitFor } from '../helpers/redis-server.js';
import { Drill } from '../recovery/drill-fixture.js';
import { ArchiveKeys, type ArchiveHistory, type ArchiveRecord } from '../../shared/offsite/archive-layout.js';
import { listIncrSegments, loadArchiveHistory, loadArchiveRecord } from '../../shared/offsite/archive-store.js';
import { decodeObject } from '../../shared/offsite/object-codec.js';
import type { OffsiteTarget } from '../../shared/offsite/offsite-target.js';
import { loadOperatorKey, unwrapDataKey } from '../../shared/offsite/set-keys.js';
import { parseAofManifest } from '../../agent/aof/aof-manifest.js';

export const AGENT_ID = 'host-a';

/** A drill (real redis-server, appendonly yes + aof-timestamp-enabled yes) whose instance is archived to `offsite`. */
export async function archiveDrill(root: string, offsite: Record<string, unknown> | null = null, archive: unknown = { interval: '1s' }): Promise<Drill & { offsiteDir: string }> {
  const drill = (await Drill.create(root, { extraConfig: ['aof-timestamp-enabled yes'] })) as Drill & { offsiteDir: string };
  drill.offsiteDir = join(root, 'offsite');
  writeAgentConfig(drill.root, {
    agentId: AGENT_ID,
    backupDir: drill.backupDir,
    schedules: { hourly: null, daily: null },
    offsite: offsite ?? { type: 'local', path: drill.offsiteDir, prefix: 'redback' },
    instances: [{ name: drill.name, url: `redis://127.0.0.1:${drill.port}`, configFile: drill.confPath, control: { type: 'process' }, archive }],
  });
  return drill;
}

export function archiveKeys(prefix = 'redback'): ArchiveKeys {
  return new ArchiveKeys(prefix, { agentId: AGENT_ID, instance: 'drill' });
}

/** Numbered writes `n:<from>..n:<to-1>`, a few per second boundary so several `#TS:` appear. */
export async function writeNumbered(c: Redis, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) await c.set(`n:${i}`, `value-${i}-${'x'.repeat(i % 50)}`);
}

export function currentManifest(drill: Drill): ReturnType<typeof parseAofManifest> {
  const path = join(drill.aofDir, 'appendonly.aof.manifest');
  return parseAofManifest(readFileSync(path, 'utf8'), path);
}

/** BGREWRITEAOF and wait until Redis lists a newer base. */
export async function rewrite(drill: Drill, c: Redis): Promise<void> {
  const before = currentManifest(drill).base?.seq ?? 0;
  await c.call('BGREWRITEAOF');
  await waitFor(async () => {
    const info = (await c.info('persistence')) as string;
    return /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info) && (currentManifest(drill).base?.seq ?? 0) > before;
  }, 30_000, 100);
}

export async function history(target: OffsiteTarget, keys = archiveKeys()): Promise<ArchiveHistory> {
  const loaded = await loadArchiveHistory(target, keys);
  if (!loaded.history) throw new Error(`no archive history: ${loaded.problem}`);
  return loaded.history;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Downloads and decodes one archived object, checking every checksum its record holds. */
export async function decodeArchived(target: OffsiteTarget, record: ArchiveRecord, env: NodeJS.ProcessEnv = process.env, keySource?: { keyEnv?: string }): Promise<Buffer> {
  const opKey = record.encryption ? loadOperatorKey(keySource, env) : null;
  const dataKey = record.encryption ? unwrapDataKey(record.encryption, opKey, record.key) : null;
  const decoded = decodeObject(await target.get(record.key), {
    objectKey: record.key,
    compression: record.compression,
    dataKey,
    expected: { plainBytes: record.plainBytes, plainSha256: record.plainSha256, storedBytes: record.storedBytes, storedSha256: record.storedSha256 },
  });
  return readAll(decoded.stream);
}

/** The committed segments of an incr file, decoded and concatenated; throws on a hole or damage. */
export async function reassemble(target: OffsiteTarget, epoch: string, file: string, keySource?: { keyEnv?: string }): Promise<{ bytes: Buffer; segments: ArchiveRecord[]; orphans: string[] }> {
  const listing = await listIncrSegments(target, archiveKeys(), epoch, file);
  if (listing.problem) throw new Error(listing.problem);
  const parts: Buffer[] = [];
  for (const s of listing.segments) parts.push(await decodeArchived(target, s, process.env, keySource));
  return { bytes: Buffer.concat(parts), segments: listing.segments, orphans: listing.orphans };
}

export async function baseRecords(target: OffsiteTarget, h: ArchiveHistory, epochIndex = h.epochs.length - 1): Promise<ArchiveRecord[]> {
  const out: ArchiveRecord[] = [];
  for (const b of h.epochs[epochIndex]!.bases) {
    const rec = await loadArchiveRecord(target, b.recordKey);
    if (rec && !('problem' in rec)) out.push(rec);
  }
  return out;
}
