import { statfs, stat } from 'node:fs/promises';
import { freemem } from 'node:os';
import { RedbackError } from '../../shared/errors/index.js';
import { formatBytes } from '../../shared/output/format.js';
import type { PlanFacts } from './plan-facts.js';
import { rdbLoadLimit } from './redis-version.js';
import type { ExpectedRdb } from './restore-source.js';

export interface PreflightCheck {
  name: 'data-dir' | 'rdb-version' | 'disk' | 'maxmemory' | 'memory' | 'replica' | 'control';
  ok: boolean;
  /** Warnings pass but are reported. */
  severity: 'error' | 'warning';
  detail: string;
  hint?: string;
}

/**
 * The checks before any restore, all run and all reported (none stops the others):
 * - data-dir: the Redis `dir` exists;
 * - rdb-version: the server that will load the RDB reads its format (7.0 reads ≤ 10; the version
 *   comes from `redis-server --version` of the binary, or what the running server said);
 * - disk: free space in `dir` ≥ 2× the RDB (the staged copy + the AOF rewrite);
 * - maxmemory: redis.conf's maxmemory is not below the snapshot's used-mem;
 * - memory: a warning when the host has less free memory than used-mem;
 * - replica: the target is not a replica (it would throw the data away and resync);
 * - control: redback can start Redis with the AOF off (process override, or a known redis.conf).
 */
export async function runPreflight(facts: PlanFacts, expected: ExpectedRdb): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const dirOk = await stat(facts.dir).then((s) => s.isDirectory()).catch(() => false);
  checks.push(
    dirOk
      ? { name: 'data-dir', ok: true, severity: 'error', detail: `${facts.dir} exists` }
      : { name: 'data-dir', ok: false, severity: 'error', detail: `the data directory ${facts.dir} does not exist`, hint: `create ${facts.dir} owned by the user redis runs as` },
  );

  const { max, version, from, binary } = await rdbLoadLimit(facts);
  if (max === null) {
    checks.push({ name: 'rdb-version', ok: false, severity: 'error', detail: `cannot tell which redis version will load the RDB (${binary} --version failed)`, hint: 'install redis-server, or set control.binary to its path' });
  } else if (expected.rdbVersion > max) {
    checks.push({
      name: 'rdb-version',
      ok: false,
      severity: 'error',
      detail: `the RDB is format ${expected.rdbVersion} but redis ${version} (${from}) reads at most ${max}`,
      hint: 'restore into a newer redis-server (7.2 reads 11, 7.4+ reads 12), or pick a copy written by this version',
    });
  } else {
    checks.push({ name: 'rdb-version', ok: true, severity: 'error', detail: `RDB format ${expected.rdbVersion} ≤ ${max} (redis ${version}, from ${from})` });
  }

  if (dirOk) {
    const fs = await statfs(facts.dir);
    const free = Number(fs.bavail) * Number(fs.bsize);
    const need = 2 * expected.bytes;
    checks.push(
      free >= need
        ? { name: 'disk', ok: true, severity: 'error', detail: `${formatBytes(free)} free in ${facts.dir} ≥ 2 × ${formatBytes(expected.bytes)}` }
        : {
            name: 'disk',
            ok: false,
            severity: 'error',
            detail: `${formatBytes(free)} free in ${facts.dir}, but the restore needs 2 × ${formatBytes(expected.bytes)} (the staged RDB and the AOF rewrite)`,
            hint: `free space on the file system of ${facts.dir}`,
          },
    );
  }

  if (facts.maxmemory === null) {
    checks.push({ name: 'maxmemory', ok: true, severity: 'warning', detail: 'redis.conf unknown: maxmemory not checked' });
  } else if (Number.isNaN(facts.maxmemory)) {
    checks.push({ name: 'maxmemory', ok: false, severity: 'error', detail: 'maxmemory in redis.conf cannot be read', hint: 'fix maxmemory in redis.conf' });
  } else if (expected.usedMem === null) {
    checks.push({ name: 'maxmemory', ok: true, severity: 'warning', detail: 'the snapshot does not record used-mem: maxmemory not checked' });
  } else if (facts.maxmemory > 0 && expected.usedMem > facts.maxmemory) {
    checks.push({
      name: 'maxmemory',
      ok: false,
      severity: 'error',
      detail: `the snapshot used ${formatBytes(expected.usedMem)} of memory but maxmemory is ${formatBytes(facts.maxmemory)}: redis would evict keys or refuse writes`,
      hint: `raise maxmemory in ${facts.configFile ?? 'redis.conf'} (at least ${formatBytes(Math.ceil(expected.usedMem * 1.2))}), or restore into a larger instance`,
    });
  } else {
    checks.push({ name: 'maxmemory', ok: true, severity: 'error', detail: `used-mem ${formatBytes(expected.usedMem)} within maxmemory ${facts.maxmemory === 0 ? 'unlimited' : formatBytes(facts.maxmemory)}` });
  }

  if (expected.usedMem !== null && expected.usedMem > freemem()) {
    checks.push({ name: 'memory', ok: true, severity: 'warning', detail: `the snapshot used ${formatBytes(expected.usedMem)} but the host has ${formatBytes(freemem())} free memory` });
  }

  const replicaReason = facts.replicaof ? `redis.conf says replicaof ${facts.replicaof}` : facts.role === 'slave' ? 'redback last saw it as a replica' : null;
  checks.push(
    replicaReason
      ? {
          name: 'replica',
          ok: false,
          severity: 'error',
          detail: `the target is a replica (${replicaReason}): it would discard the restored data and resync from its master`,
          hint: 'restore the master instead, or promote this one first (remove replicaof from redis.conf)',
        }
      : { name: 'replica', ok: true, severity: 'error', detail: 'not a replica' },
  );

  if (facts.controlType === null) {
    checks.push({ name: 'control', ok: false, severity: 'error', detail: `instance ${facts.instance} has no control block: redback cannot stop and start it`, hint: 'add control: {type: systemd, unit: ...} (or exec, or process) to the instance' });
  } else if (facts.controlType === 'process') {
    checks.push(
      facts.configFile
        ? { name: 'control', ok: true, severity: 'error', detail: `process control: starts ${binary} ${facts.configFile} --appendonly no` }
        : { name: 'control', ok: false, severity: 'error', detail: 'process control needs the instance configFile', hint: 'set configFile for the instance' },
    );
  } else {
    checks.push(
      facts.configFile
        ? { name: 'control', ok: true, severity: 'error', detail: `${facts.controlType} control: appendonly no is set in ${facts.configFile} for the load (original kept)` }
        : {
            name: 'control',
            ok: false,
            severity: 'error',
            detail: `${facts.controlType} control starts redis with its own redis.conf, which redback does not know: it cannot make sure the AOF is off for the load`,
            hint: 'set configFile for the instance in the agent config',
          },
    );
  }
  return checks;
}

/** PREFLIGHT_FAILED listing every failed check, or nothing. */
export function assertPreflight(instance: string, checks: PreflightCheck[]): void {
  const failed = checks.filter((c) => !c.ok && c.severity === 'error');
  if (failed.length === 0) return;
  throw new RedbackError('PREFLIGHT_FAILED', `pre-flight for the restore of ${instance} failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`, {
    hint: `${failed.map((c) => c.hint).filter(Boolean).join('; ')}; nothing was changed`,
    details: { checks },
  });
}
