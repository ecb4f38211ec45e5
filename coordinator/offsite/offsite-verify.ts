import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { Logger } from '../../shared/log/logger.js';
import { loadOperatorKey, type OperatorKeySource } from '../../shared/offsite/set-keys.js';
import type { SetManifest } from '../../shared/offsite/set-manifest.js';
import { loadSetManifest } from '../../shared/offsite/set-store.js';
import { dataKeyOf, openSetObject, verifySet } from '../../shared/offsite/verify-set.js';
import type { Catalog, OffsiteSetView } from '../catalog/index.js';
import type { OffsiteMetrics } from '../metrics/offsite-metrics.js';
import type { OffsiteStore } from './offsite-store.js';

const run = promisify(execFile);

export interface VerifyRequest {
  instance?: string;
  agentId?: string;
  setId?: string;
  /** 0 = manifests and sizes; 100 = every object's data; between: that share of each set's objects. */
  readDataPercent: number;
}

export interface ObjectOutcome {
  key: string;
  kind: string;
  ok: boolean;
  problem: string;
  dataRead: boolean;
}

export interface SetOutcome {
  agentId: string;
  instance: string;
  setId: string;
  ok: boolean;
  readData: boolean;
  objects: ObjectOutcome[];
  problem: string;
}

export interface VerifyDeps {
  catalog: Catalog;
  store: OffsiteStore;
  prefix: string;
  encryption: OperatorKeySource | undefined;
  logger: Logger;
  metrics: OffsiteMetrics | null;
  /** redis-check-aof executable (default on PATH). */
  checkAofBinary?: string;
}

/** Which objects' data to read: all, none, or a random `percent` of them (at least one). */
export function pickReadKeys(manifest: SetManifest, percent: number): Set<string> {
  const keys = manifest.objects.map((o) => o.key);
  if (percent >= 100) return new Set(keys);
  if (percent <= 0) return new Set();
  const want = Math.max(1, Math.ceil((keys.length * percent) / 100));
  const pool = [...keys];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return new Set(pool.slice(0, want));
}

/**
 * `redback offsite verify` (restic check --read-data, pgBackRest verify), per set of the catalog:
 * 1. load the manifest from the store (or its copy); a set without one fails;
 * 2. every object exists with the stored size the manifest records;
 * 3. with data: download, decrypt, decompress, compare both SHA-256s, walk the RDB (structure,
 *    CRC-64, version); when every AOF file was read, `redis-check-aof` on the set's AOF manifest;
 * 4. record the outcome per set and object in the catalog.
 * The coordinator only reads the store here; the data key needs the operator key on its host.
 */
export async function verifyOffsite(deps: VerifyDeps, req: VerifyRequest, onEvent: (e: { progress?: { setId: string; instance: string; done: number; total: number }; result?: SetOutcome }) => void): Promise<SetOutcome[]> {
  const sets = deps.catalog.offsite
    .list({ ...(req.instance ? { instance: req.instance } : {}), ...(req.agentId ? { agentId: req.agentId } : {}) })
    .filter((s) => s.state === 'complete' && (!req.setId || s.setId === req.setId));
  const readData = req.readDataPercent > 0;
  const operatorKey = readData && sets.some((s) => s.manifest?.encryption) ? loadOperatorKey(deps.encryption) : null;
  const outcomes: SetOutcome[] = [];
  for (const set of sets) {
    const outcome = await verifyOne(deps, set, req.readDataPercent, operatorKey, (done, total) => onEvent({ progress: { setId: set.setId, instance: set.instance, done, total } }));
    deps.catalog.offsite.recordVerify(
      set,
      outcome.ok,
      outcome.problem || outcome.objects.filter((o) => !o.ok).map((o) => `${o.key}: ${o.problem}`).join('; '),
      outcome.objects.map((o) => ({ key: o.key, ok: o.ok, problem: o.problem || null })),
    );
    if (!outcome.ok) deps.metrics?.verifyFailed(set.agentId, set.instance);
    outcomes.push(outcome);
    onEvent({ result: outcome });
  }
  return outcomes;
}

async function verifyOne(deps: VerifyDeps, set: OffsiteSetView, percent: number, operatorKey: Buffer | null, onProgress: (done: number, total: number) => void): Promise<SetOutcome> {
  const base: SetOutcome = { agentId: set.agentId, instance: set.instance, setId: set.setId, ok: false, readData: percent > 0, objects: [], problem: '' };
  const owner = { prefix: deps.prefix, agentId: set.agentId, instance: set.instance };
  const loaded = await loadSetManifest(deps.store, owner, set.setId);
  if (!loaded.manifest) return { ...base, problem: `no manifest loads: ${loaded.problem}` };
  const manifest = loaded.manifest;
  const readKeys = pickReadKeys(manifest, percent);
  const checked = await verifySet(deps.store, manifest, { prefix: deps.prefix, readData: percent > 0, operatorKey, readKeys, onProgress });
  const objects: ObjectOutcome[] = checked.objects.map((o, i) => ({
    key: manifest.objects[i]!.key,
    kind: o.kind,
    ok: o.ok,
    problem: o.problem ?? '',
    dataRead: percent > 0 && readKeys.has(manifest.objects[i]!.key),
  }));
  const problem = loaded.problem ? `manifest.json unusable (${loaded.problem}); the copy was used` : '';
  const aofObjects = manifest.objects.filter((o) => o.kind === 'aof' || o.kind === 'aof-manifest');
  if (checked.ok && aofObjects.length > 0 && aofObjects.every((o) => readKeys.has(o.key)) && manifest.aof) {
    const aofProblem = await checkAof(deps, manifest, aofObjects, operatorKey);
    if (aofProblem) {
      const target = objects.find((o) => o.kind === 'aof-manifest') ?? objects.find((o) => o.kind === 'aof')!;
      Object.assign(target, { ok: false, problem: `redis-check-aof: ${aofProblem}` });
    }
  }
  const ok = objects.every((o) => o.ok);
  return { ...base, ok, objects, problem };
}

/** Downloads the set's AOF directory (decoded) to a temp dir and runs redis-check-aof on its manifest. */
async function checkAof(deps: VerifyDeps, manifest: SetManifest, objects: SetManifest['objects'], operatorKey: Buffer | null): Promise<string | null> {
  const dir = await mkdtemp(join(tmpdir(), 'redback-verify-aof-'));
  try {
    const dataKey = dataKeyOf(manifest, operatorKey);
    for (const object of objects) {
      const decoded = await openSetObject(deps.store, deps.prefix, manifest, object, dataKey);
      await pipeline(decoded.stream, createWriteStream(join(dir, object.name), { mode: 0o600 }));
    }
    try {
      await run(deps.checkAofBinary ?? 'redis-check-aof', [join(dir, manifest.aof!.manifestName)], { maxBuffer: 16 * 1024 * 1024 });
      return null;
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stdout?: string };
      if (e.code === 'ENOENT') {
        deps.logger.warn('redis-check-aof is not installed on the coordinator host; the AOF was checked by SHA-256 only');
        return null;
      }
      const lines = (e.stdout ?? '').trim().split('\n').filter(Boolean);
      return lines.slice(-2).join(' ') || e.message;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
