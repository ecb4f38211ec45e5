import { RedbackError } from '../../shared/errors/index.js';
import { formatAge, formatBytes, formatKeys, printJson, renderTable } from '../../shared/output/format.js';
import { byteProgress } from '../../shared/output/progress.js';
import { parseTier, totalKeys } from '../../shared/manifest/copy-manifest.js';
import { findInstance, selectInstances } from '../agent-context.js';
import { pruneInstance } from '../retention/prune.js';
import { ensureDailyCopy, takeSnapshot } from '../snapshot/take-snapshot.js';
import { verifyCopies, type VerifyResult } from '../snapshot/verify-copies.js';
import { withInstance } from '../store/instance-guard.js';
import type { BrokenEntry, LocalCopy } from '../store/local-store.js';
import { loadAgentForCommand, type AgentFlags } from './load-agent.js';

export interface SnapshotFlags extends AgentFlags {
  instance: string;
  tier: string;
  mode?: 'bgsave' | 'existing';
  force?: boolean;
}

export async function runSnapshotCommand(flags: SnapshotFlags): Promise<number> {
  const tier = parseTier(flags.tier);
  const ctx = loadAgentForCommand(flags);
  const instance = findInstance(ctx.config, flags.instance);
  const progress = byteProgress(!flags.json, `snapshot ${instance.name}`);
  try {
    const outcome = await takeSnapshot(ctx, instance, {
      tier,
      ...(flags.mode ? { mode: flags.mode } : {}),
      force: flags.force === true,
      onProgress: (phase, done, total) => (phase === 'copy' ? progress.update(done, total, 'copy') : undefined),
    });
    progress.stop();
    const m = outcome.manifest;
    if (flags.json) {
      printJson({ ...m, pruned: outcome.prune.deleted, timings: { bgsaveMs: outcome.bgsaveMs, copyMs: outcome.copyMs } });
    } else {
      process.stdout.write(
        [
          `copy ${m.id} of ${m.instance} (${m.tier}): ${formatBytes(m.bytes)}, ${totalKeys(m)} keys (${formatKeys(m.keys)}), rdb v${m.rdbVersion} from redis ${m.redisVersion ?? '?'}`,
          `  path    ${m.path}`,
          `  sha256  ${m.sha256}`,
          `  crc64   ${m.crc64} (verified)`,
          outcome.prune.deleted.length > 0 ? `  retention deleted ${outcome.prune.deleted.length} older cop${outcome.prune.deleted.length === 1 ? 'y' : 'ies'}` : '  retention deleted nothing',
        ].join('\n') + '\n',
      );
    }
    return 0;
  } finally {
    progress.stop();
  }
}

export async function runDailyCommand(flags: AgentFlags & { instance: string }): Promise<number> {
  const ctx = loadAgentForCommand(flags);
  const instance = findInstance(ctx.config, flags.instance);
  const result = await ensureDailyCopy(ctx, instance);
  if (flags.json) printJson({ action: result.action, ...result.manifest });
  else process.stdout.write(`daily copy ${result.manifest.id} of ${instance.name}: ${result.action}\n`);
  return 0;
}

export async function runListCommand(flags: AgentFlags): Promise<number> {
  const ctx = loadAgentForCommand(flags);
  const instances = selectInstances(ctx.config, flags.instance).map((i) => i.name);
  const copies = [];
  const broken = [];
  for (const name of instances) {
    const inv = await ctx.store.inventory(name);
    copies.push(...inv.copies);
    broken.push(...inv.broken);
  }
  const quarantine = await ctx.store.quarantineUsage(instances);
  if (flags.json) {
    printJson({
      copies: copies.map((c) => ({ ...c.manifest, state: c.state })),
      broken,
      quarantine,
    });
    return 0;
  }
  const now = ctx.clock.now();
  process.stdout.write(
    renderTable(
      ['INSTANCE', 'TIER', 'ID', 'CREATED', 'AGE', 'SIZE', 'KEYS', 'REDIS', 'STATE'],
      copies.map((c) => [
        c.manifest.instance,
        c.manifest.tier,
        c.manifest.id,
        c.manifest.createdAt.replace(/\.\d+Z$/, 'Z'),
        formatAge(c.manifest.createdAt, now),
        formatBytes(c.manifest.bytes),
        totalKeys(c.manifest),
        c.manifest.redisVersion,
        c.state + (c.manifest.pinned ? ' (pinned)' : '') + (c.manifest.linkedFrom ? ` (link of ${c.manifest.linkedFrom})` : '') + (c.manifest.origin ? ` (from ${c.manifest.origin.agentId}/${c.manifest.origin.instance})` : ''),
      ]),
    ) + '\n',
  );
  if (copies.length === 0) process.stdout.write('no copies yet\n');
  process.stdout.write(
    `quarantine: ${quarantine.entries} entr${quarantine.entries === 1 ? 'y' : 'ies'}, ${formatBytes(quarantine.bytes)} of ${formatBytes(quarantine.maxBytes)} (quarantine.maxBytes; oldest removed beyond it)\n`,
  );
  for (const b of broken) process.stderr.write(`warning: unreadable manifest ${b.manifestFile}: ${b.reason}\n`);
  return 0;
}

export async function runPruneCommand(flags: AgentFlags & { dryRun?: boolean }): Promise<number> {
  const ctx = loadAgentForCommand(flags);
  const outcomes = [];
  for (const instance of selectInstances(ctx.config, flags.instance)) {
    outcomes.push(await pruneInstance(ctx, instance, flags.dryRun === true));
  }
  if (flags.json) {
    printJson(outcomes.map((o) => ({ ...o, decisions: o.decisions.map((d) => ({ ...d, createdAt: d.createdAt.toISOString() })) })));
    return 0;
  }
  const rows = outcomes.flatMap((o) =>
    o.decisions.map((d) => [o.instance, d.tier, d.id, d.createdAt.toISOString().replace(/\.\d+Z$/, 'Z'), d.keys ?? '?', d.action, d.reason]),
  );
  process.stdout.write(renderTable(['INSTANCE', 'TIER', 'ID', 'CREATED', 'KEYS', 'ACTION', 'REASON'], rows) + '\n');
  const deletions = outcomes.reduce((n, o) => n + o.decisions.filter((d) => d.action === 'delete').length, 0);
  process.stdout.write(flags.dryRun ? `dry run: would delete ${deletions} cop${deletions === 1 ? 'y' : 'ies'}; nothing was changed\n` : `deleted ${deletions} cop${deletions === 1 ? 'y' : 'ies'}\n`);
  for (const b of outcomes.flatMap((o) => o.broken)) process.stderr.write(`warning: unreadable manifest ${b.manifestFile}: ${b.reason}\n`);
  return 0;
}

export async function runVerifyCommand(flags: AgentFlags & { quarantine: boolean }): Promise<number> {
  const ctx = loadAgentForCommand(flags);
  const progress = byteProgress(!flags.json, 'verify');
  const copies: LocalCopy[] = [];
  const brokenManifests: BrokenEntry[] = [];
  const results: VerifyResult[] = [];
  const quarantined: Record<string, string> = {};
  // One instance at a time, under its lock: a prune or snapshot cannot change what is being read.
  try {
    for (const instance of selectInstances(ctx.config, flags.instance)) {
      await withInstance(ctx, instance.name, 'verify', async () => {
        const inv = await ctx.store.inventory(instance.name);
        copies.push(...inv.copies);
        brokenManifests.push(...inv.broken);
        const mine = await verifyCopies(inv.copies, (copy, done, total) => progress.update(done, total, copy.manifest.id));
        results.push(...mine);
        if (flags.quarantine) {
          for (const r of mine.filter((x) => !x.ok)) {
            const copy = inv.copies.find((c) => c.manifest.id === r.id && c.manifest.tier === r.tier)!;
            quarantined[r.id] = await ctx.store.quarantine(r.instance, r.id, [copy.rdbFile, copy.manifestFile], `verify: ${r.problem}`);
          }
        }
      });
    }
  } finally {
    progress.stop();
  }
  const bad = results.filter((r) => !r.ok);
  const failures = bad.length + brokenManifests.length;
  if (flags.json) {
    printJson({
      ok: failures === 0,
      checked: results.length,
      bad: bad.length + brokenManifests.length,
      results: results.map((r) => ({ ...r, ...(quarantined[r.id] ? { quarantinedTo: quarantined[r.id] } : {}) })),
      brokenManifests,
    });
  } else {
    process.stdout.write(
      renderTable(
        ['INSTANCE', 'TIER', 'ID', 'SIZE', 'RESULT'],
        results.map((r) => [r.instance, r.tier, r.id, formatBytes(r.bytes), r.ok ? 'ok' : `BAD: ${r.problem}`]),
      ) + '\n',
    );
    process.stdout.write(`${results.length} cop${results.length === 1 ? 'y' : 'ies'} checked, ${failures} bad\n`);
  }
  for (const r of bad) {
    process.stderr.write(`redback: bad copy ${r.instance}/${r.tier}/${r.id} (${r.path}): ${r.problem}${quarantined[r.id] ? `; moved to ${quarantined[r.id]}` : ''}\n`);
  }
  for (const b of brokenManifests) process.stderr.write(`redback: bad manifest ${b.manifestFile}: ${b.reason}\n`);
  if (failures > 0) {
    process.stderr.write('HINT: take a fresh copy with `redback agent snapshot`; bad copies are never used for a restore\n');
    return new RedbackError('VERIFY_FAILED', 'verify failed').exitCode;
  }
  return 0;
}
