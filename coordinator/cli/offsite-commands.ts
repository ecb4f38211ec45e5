import { RedbackError } from '../../shared/errors/index.js';
import { formatAge, formatBytes, formatKeys, printJson, renderTable } from '../../shared/output/format.js';
import { byteProgress } from '../../shared/output/progress.js';
import type { ConnectionFlags } from '../rpc/control-client.js';
import { requireInstanceOrAll, timeoutFlagMs, withClient } from './command-helpers.js';
import type { SetVerifyView } from './operator-views.js';
import { followJob } from './operator-commands.js';

/** Long offsite calls (prune, rebuild list the whole target). */
const LONG_CALL_MS = 30 * 60_000;

/** `redback upload`: an offsite set of one instance (or all) now; --wait follows it with a progress bar. */
export async function runUpload(flags: ConnectionFlags & { instance?: string; all?: boolean; wait?: boolean; timeout?: string }): Promise<number> {
  requireInstanceOrAll(flags, 'redback upload --instance main --wait');
  const timeoutMs = timeoutFlagMs(flags.timeout);
  return withClient(flags, async (client) => {
    if (flags.all) {
      if (flags.wait) throw new RedbackError('USAGE', '--wait follows one instance', { hint: 'follow a fleet-wide upload with: redback jobs' });
      const jobs = await client.triggerFleetUpload({ timeoutMs });
      if (flags.json) printJson(jobs);
      else process.stdout.write(`${jobs.length} upload(s) started now; the other instances follow as offsite.maxConcurrentUploads (and one per host) allow; follow them with: redback jobs\n`);
      return 0;
    }
    const job = await client.triggerUpload({ instance: flags.instance!, timeoutMs });
    if (!flags.wait) {
      if (flags.json) printJson(job);
      else process.stdout.write(`job ${job.jobId} ${job.state}: offsite set of ${job.agentId}/${job.instance}\nfollow it with: redback jobs --instance ${job.instance}\n`);
      return 0;
    }
    return followJob(client, job, flags.json === true, { jsonEvents: true });
  });
}

/** `redback offsite list`: the sets the catalog knows, newest first. */
export async function runOffsiteList(flags: ConnectionFlags & { instance?: string; objects?: boolean }): Promise<number> {
  const reply = await withClient(flags, (c) => c.offsiteSets({ ...(flags.instance ? { instance: flags.instance } : {}), includeObjects: flags.objects === true || flags.json === true }));
  if (flags.json) {
    printJson(reply);
    return 0;
  }
  const rows = reply.sets.map((s) => [
    s.instance,
    s.agentId,
    s.setId,
    formatAge(s.createdAt),
    formatBytes(Number(s.plainBytes)),
    formatBytes(Number(s.storedBytes)),
    s.objectCount,
    formatKeys(Object.fromEntries(Object.entries(s.keys).map(([k, v]) => [k, Number(v)]))),
    s.encrypted ? 'yes' : 'no',
    s.verifyState === 'never' ? '-' : `${s.verifyState} ${formatAge(s.verifiedAt)}`,
  ]);
  process.stdout.write(renderTable(['INSTANCE', 'AGENT', 'SET', 'AGE', 'SIZE', 'STORED', 'OBJECTS', 'KEYS', 'ENCRYPTED', 'VERIFIED'], rows) + `\n${reply.sets.length} set(s) in ${reply.target}\n`);
  if (flags.objects) {
    for (const s of reply.sets) {
      process.stdout.write(`\n${s.instance} ${s.setId}:\n`);
      process.stdout.write(renderTable(['OBJECT', 'KIND', 'SIZE', 'STORED', 'SHA-256'], s.objects.map((o) => [o.key, o.kind, formatBytes(Number(o.plainBytes)), formatBytes(Number(o.storedBytes)), o.plainSha256.slice(0, 16)])) + '\n');
    }
  }
  return 0;
}

function readDataPercent(flags: { readData?: boolean; readDataSubset?: string }): number {
  if (flags.readData && flags.readDataSubset) throw new RedbackError('USAGE', 'pass --read-data or --read-data-subset, not both');
  if (flags.readData) return 100;
  if (!flags.readDataSubset) return 0;
  const m = /^(\d{1,3})%?$/.exec(flags.readDataSubset.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 1 && n <= 100)) throw new RedbackError('USAGE', `--read-data-subset ${flags.readDataSubset}: give a share from 1% to 100%`, { hint: 'redback offsite verify --read-data-subset 10%' });
  return n;
}

/** `redback offsite verify`: exit 8 (VERIFY_FAILED) when a set is bad, naming the object and the reason. */
export async function runOffsiteVerify(flags: ConnectionFlags & { instance?: string; set?: string; readData?: boolean; readDataSubset?: string }): Promise<number> {
  const percent = readDataPercent(flags);
  const results: SetVerifyView[] = [];
  const progress = byteProgress(!flags.json, 'verify');
  await withClient(flags, (client) =>
    client.verifyOffsite({ ...(flags.instance ? { instance: flags.instance } : {}), ...(flags.set ? { setId: flags.set } : {}), readDataPercent: percent }, (event) => {
      if (event.progress) progress.update(Number(event.progress.done), Number(event.progress.total), event.progress.setId);
      if (event.result) {
        results.push(event.result);
        if (flags.json) process.stdout.write(JSON.stringify({ event: 'result', ...event.result }) + '\n');
      }
    }),
  );
  progress.stop();
  const bad = results.filter((r) => !r.ok);
  if (!flags.json) {
    for (const r of results) {
      const what = r.readData ? `${r.objects.filter((o) => o.dataRead).length}/${r.objects.length} objects read` : 'manifest and sizes';
      process.stdout.write(`${r.ok ? 'ok ' : 'BAD'} ${r.agentId}/${r.instance} ${r.setId} (${what})${r.problem ? `: ${r.problem}` : ''}\n`);
      for (const o of r.objects.filter((x) => !x.ok)) process.stdout.write(`    ${o.key}: ${o.problem}\n`);
    }
    process.stdout.write(`${results.length} set(s) verified, ${bad.length} bad\n`);
  }
  if (results.length === 0 && !flags.json) process.stderr.write('no sets matched; list them with: redback offsite list\n');
  if (bad.length) {
    const first = bad[0]!;
    const object = first.objects.find((o) => !o.ok);
    throw new RedbackError('VERIFY_FAILED', `offsite set ${first.agentId}/${first.instance} ${first.setId} is bad: ${object ? `${object.key}: ${object.problem}` : first.problem}${bad.length > 1 ? ` (and ${bad.length - 1} more set(s))` : ''}`, {
      hint: 'upload a new set now (redback upload --instance NAME --wait); the bad set is kept for inspection until retention removes it',
    });
  }
  return 0;
}

/** `redback offsite prune`: offsite retention with a reason per set. */
export async function runOffsitePrune(flags: ConnectionFlags & { instance?: string; dryRun?: boolean }): Promise<number> {
  const reply = await withClient(flags, (c) => c.pruneOffsite({ dryRun: flags.dryRun === true, ...(flags.instance ? { instance: flags.instance } : {}) }, LONG_CALL_MS));
  if (flags.json) {
    printJson(reply);
    return 0;
  }
  process.stdout.write(
    renderTable(
      ['INSTANCE', 'SET', 'AGE', 'COMPLETE', 'ACTION', 'REASON'],
      reply.decisions.map((d) => [`${d.agentId}/${d.instance}`, d.setId, d.createdAt ? formatAge(d.createdAt) : '?', d.complete ? 'yes' : 'no', reply.dryRun && d.action === 'delete' ? 'would delete' : d.action, d.reason]),
    ) + '\n',
  );
  const deletions = reply.decisions.filter((d) => d.action === 'delete').length;
  process.stdout.write(
    reply.dryRun
      ? `dry run: ${deletions} set(s) would be deleted; nothing was changed\n`
      : `${reply.deletedSets} set(s) deleted (${reply.deletedObjects} objects), ${reply.abortedUploads} stale multipart upload(s) aborted\n`,
  );
  if (reply.abortProblem) process.stderr.write(`warning: stale multipart uploads not aborted: ${reply.abortProblem}\n`);
  return 0;
}

/** `redback catalog rebuild`: the catalog's index again from the offsite manifests and the agents. */
export async function runCatalogRebuild(flags: ConnectionFlags & { dryRun?: boolean }): Promise<number> {
  const reply = await withClient(flags, (c) => c.rebuildCatalog({ dryRun: flags.dryRun === true }, LONG_CALL_MS));
  if (flags.json) {
    printJson(reply);
    return 0;
  }
  const verb = reply.dryRun ? 'would record' : 'recorded';
  process.stdout.write(`${verb} ${reply.completeSets} complete offsite set(s) with ${reply.objects} object(s); ${reply.incompleteSets} incomplete set(s) skipped\n`);
  process.stdout.write(`${reply.dryRun ? 'would ask' : 'asked'} ${reply.agentsAsked.length} connected agent(s) for their inventories${reply.agentsAsked.length ? `: ${reply.agentsAsked.join(', ')}` : ''}\n`);
  for (const p of reply.problems) process.stdout.write(`  note: ${p}\n`);
  return 0;
}
