import { formatAge, formatBytes, formatKeys, printJson, renderTable } from '../../shared/output/format.js';
import { byteProgress } from '../../shared/output/progress.js';
import { setBytes, totalSetKeys } from '../../shared/offsite/set-manifest.js';
import { listSets } from '../../shared/offsite/set-store.js';
import { formatDuration } from '../../shared/time/clock.js';
import { findInstance, selectInstances } from '../agent-context.js';
import { openOffsite, ownerFor, uploadWithConfig } from '../offsite/offsite-session.js';
import { loadAgentForCommand, type AgentFlags } from './load-agent.js';

/** `redback agent upload`: one offsite set of an instance now, without the coordinator. */
export async function runUploadCommand(flags: AgentFlags & { instance: string }): Promise<number> {
  const ctx = loadAgentForCommand(flags);
  const instance = findInstance(ctx.config, flags.instance);
  const access = await openOffsite(ctx);
  const progress = byteProgress(!flags.json, `upload ${instance.name}`);
  try {
    const outcome = await uploadWithConfig(ctx, instance, access, {
      onProgress: (phase, done, total) => (phase === 'upload' ? progress.update(done, total) : undefined),
    });
    progress.stop();
    const m = outcome.manifest;
    if (flags.json) {
      printJson({ ...m, plainBytes: outcome.plainBytes, storedBytes: outcome.storedBytes, ms: outcome.ms, cleanedIncomplete: outcome.cleaned.map((c) => c.setId) });
      return 0;
    }
    const ratio = outcome.storedBytes > 0 ? (outcome.plainBytes / outcome.storedBytes).toFixed(2) : '-';
    const lines = [
      `offsite set ${m.setId} of ${m.instance}: ${m.objects.length} objects, ${formatBytes(outcome.plainBytes)} → ${formatBytes(outcome.storedBytes)} stored (${ratio}×), ${totalSetKeys(m)} keys (${formatKeys(m.keys)}) in ${formatDuration(outcome.ms)}`,
      `  rdb       ${m.rdbSource.kind === 'bgsave' ? 'fresh snapshot' : 'local copy'} ${m.rdbSource.copyId ?? ''}, rdb v${m.rdbVersion}, redis ${m.redisVersion ?? '?'}`,
      `  aof       ${m.aof ? `${m.aof.files} files (${m.aof.manifestName})` : 'appendonly is off: none'}`,
      `  encrypted ${m.encryption ? `yes (key id ${m.encryption.keyId})` : 'no'}`,
      ...(outcome.cleaned.length ? [`  removed ${outcome.cleaned.length} incomplete set(s) of interrupted uploads: ${outcome.cleaned.map((c) => c.setId).join(', ')}`] : []),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } finally {
    progress.stop();
  }
}

/** `redback agent offsite-list`: the complete sets (restorable) and incomplete leftovers. */
export async function runOffsiteListCommand(flags: AgentFlags): Promise<number> {
  const ctx = loadAgentForCommand(flags);
  const access = await openOffsite(ctx);
  const rows = [];
  for (const instance of selectInstances(ctx.config, flags.instance)) {
    const listing = await listSets(access.target, ownerFor(ctx, access, instance.name));
    rows.push({ instance: instance.name, ...listing });
  }
  if (flags.json) {
    printJson({
      sets: rows.flatMap((r) => r.complete.map((s) => ({ ...s.manifest, loadedFrom: s.loadedFrom, manifestProblem: s.problem, ...setBytes(s.manifest) }))),
      incomplete: rows.flatMap((r) => r.incomplete.map((s) => ({ instance: r.instance, ...s }))),
    });
    return 0;
  }
  const now = ctx.clock.now();
  process.stdout.write(
    renderTable(
      ['INSTANCE', 'SET', 'CREATED', 'AGE', 'SIZE', 'STORED', 'KEYS', 'AOF', 'ENCRYPTED'],
      rows.flatMap((r) =>
        r.complete.map((s) => {
          const m = s.manifest;
          const b = setBytes(m);
          return [m.instance, m.setId, m.createdAt.replace(/\.\d+Z$/, 'Z'), formatAge(m.createdAt, now), formatBytes(b.plain), formatBytes(b.stored), totalSetKeys(m), m.aof ? 'yes' : 'no', m.encryption ? 'yes' : 'no'];
        }),
      ),
    ) + '\n',
  );
  const complete = rows.reduce((n, r) => n + r.complete.length, 0);
  if (complete === 0) process.stdout.write('no complete offsite sets\n');
  for (const r of rows) {
    for (const s of r.complete) if (s.problem) process.stderr.write(`warning: set ${s.manifest.setId}: ${s.problem}; loaded manifest.copy.json\n`);
    for (const s of r.incomplete) process.stderr.write(`note: ${r.instance} has an incomplete set ${s.setId} (${s.objects} objects, ${s.reason}): not restorable; the next upload removes it\n`);
  }
  return 0;
}
