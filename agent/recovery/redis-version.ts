import { runFile } from '../control/exec-file.js';
import type { PlanFacts } from './plan-facts.js';

/** `redis-server --version` → `7.0.15`; null when the binary cannot be run or prints something else. */
export async function redisServerVersion(binary = 'redis-server'): Promise<string | null> {
  const result = await runFile(binary, ['--version'], { timeoutMs: 10_000 });
  if (result.code !== 0) return null;
  return /\bv=(\d+\.\d+\.\d+)/.exec(result.stdout)?.[1] ?? null;
}

/**
 * The newest RDB format a Redis version loads: 7.0 reads ≤ 10, 7.2 ≤ 11, 7.4 and 8.x ≤ 12
 * (DESIGN.md); older servers by their release notes. Null for an unparsable version.
 */
export function maxRdbVersion(redisVersion: string): number | null {
  const m = /^(\d+)\.(\d+)/.exec(redisVersion);
  if (!m) return null;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major > 7 || (major === 7 && minor >= 4)) return 12;
  if (major === 7 && minor >= 2) return 11;
  if (major === 7) return 10;
  if (major === 5 || major === 6) return 9;
  if (major === 4) return 8;
  if (major === 3 && minor >= 2) return 7;
  return 6;
}

/** The newest RDB format the server that will load a restore reads, and how redback knows. */
export interface RdbLoadLimit {
  /** Null when the version cannot be told. */
  max: number | null;
  version: string | null;
  /** "redis-server --version" or "the running server". */
  from: string;
  binary: string;
}

/**
 * Which RDB formats the Redis that will load a restore can read: the binary redback starts
 * (process control, or when the server was never seen) or the version the running server
 * reported. Preflight and the choice of a restore candidate both ask this one function.
 */
export async function rdbLoadLimit(facts: Pick<PlanFacts, 'binary' | 'controlType' | 'redisVersion'>): Promise<RdbLoadLimit> {
  const binary = facts.binary ?? 'redis-server';
  const binaryVersion = facts.controlType === 'process' || !facts.redisVersion ? await redisServerVersion(binary) : null;
  const version = binaryVersion ?? facts.redisVersion;
  return { max: version ? maxRdbVersion(version) : null, version, from: binaryVersion ? `${binary} --version` : 'the running server', binary };
}
