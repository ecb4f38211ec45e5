import { hostname } from 'node:os';
import { readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { ensureDir, fsyncDir, writeFileAtomic } from '../../shared/fs/durable.js';
import { sealManifest, type CopyManifest } from '../../shared/manifest/copy-manifest.js';
import type { AgentContext } from '../agent-context.js';
import { withInstance } from '../store/instance-guard.js';
import { receiveToFile } from './receive-stream.js';
import { transferArgs, type TransferJobContext } from './send-copy.js';
import { TransferClient } from './transfer-codec.js';

/** Tier an imported copy is filed in: kept until deleted (or manual retention), never counted as this host's hourly. */
export const IMPORT_TIER = 'manual' as const;

/** Transfer files being written now, by this process (everything else in the folder is a leftover). */
const active = new Set<string>();

/** `<backupDir>/.agent/transfers/`: where a copy arriving from another agent is written first. */
export function transferDir(ctx: AgentContext): string {
  return join(ctx.layout.agentStateDir(), 'transfers');
}

/** Removes what a killed receive left in the transfer folder (never a file being written now). */
export async function cleanTransferDir(ctx: AgentContext): Promise<string[]> {
  const dir = transferDir(ctx);
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    if (active.has(path)) continue;
    await unlink(path).catch(() => undefined);
    removed.push(path);
  }
  return removed;
}

/**
 * The target's side of a transfer (`receive-copy` job): the copy arrives into the agent's own
 * backup directory as a verified copy with its original id.
 * 1. refuse at once when the instance already has a copy with that id;
 * 2. download into `<backupDir>/.agent/transfers/<transferId>.part`, checking the header's manifest,
 *    size, SHA-256 and CRC-64 on the way (receive-stream.ts); any failure removes the file;
 * 3. under the instance's lock, rename it into the `manual` tier and write its manifest, re-sealed
 *    for its place here (`source: import`, `origin`: the agent, instance, tier and path it came from).
 * Nothing here touches Redis.
 */
export async function receiveCopy(ctx: AgentContext, instance: InstanceConfig, args: Record<string, unknown>, job: TransferJobContext): Promise<unknown> {
  const { transferId, backupId } = transferArgs(args);
  const expectSha = typeof args.sha256 === 'string' && args.sha256 ? args.sha256 : null;
  await refuseExisting(ctx, instance.name, backupId);
  const dir = transferDir(ctx);
  await ensureDir(ctx.layout.agentStateDir());
  await ensureDir(dir);
  await cleanTransferDir(ctx);
  const part = join(dir, `${transferId}.part`);
  active.add(part);
  const started = Date.now();
  const client = new TransferClient(ctx);
  try {
    job.report('transfer', 0, Number(args.bytes) || 0, `receiving copy ${backupId} (transfer ${transferId})`);
    const received = await receiveToFile(client.download(transferId, job.signal), part, {
      allowUnchecksummed: ctx.config.snapshot.allowUnchecksummed,
      onProgress: (done, total) => job.report('transfer', done, total),
      check: (header, manifest) => {
        if (header.transferId !== transferId) throw new RedbackError('TRANSFER_FAILED', `the coordinator relayed transfer ${header.transferId}, not ${transferId}`);
        if (manifest.id !== backupId) throw new RedbackError('TRANSFER_FAILED', `the source sent copy ${manifest.id}, not ${backupId}`);
        if (expectSha && manifest.sha256 !== expectSha) throw new RedbackError('TRANSFER_FAILED', `the source's copy ${backupId} has another SHA-256 than the catalog's`);
      },
    });
    const manifest = await withInstance(ctx, instance.name, 'receive copy', () => fileCopy(ctx, instance.name, part, received.manifest, received.header.sourceAgentId, transferId), { waitMs: 120_000 });
    const ms = Date.now() - started;
    ctx.logger.info({ transferId, copy: backupId, from: received.header.sourceAgentId, bytes: received.bytes, ms }, 'copy received');
    return { manifest, path: manifest.path, bytes: received.bytes, ms, transferId, sourceAgentId: received.header.sourceAgentId };
  } catch (err) {
    await unlink(part).catch(() => undefined);
    throw err;
  } finally {
    active.delete(part);
    client.close();
  }
}

async function refuseExisting(ctx: AgentContext, instance: string, id: string): Promise<void> {
  const { copies } = await ctx.store.inventory(instance);
  const found = copies.find((c) => c.manifest.id === id);
  if (found) {
    throw new RedbackError('USAGE', `instance ${instance} already has copy ${id} (${found.manifest.tier})`, {
      hint: `restore it with: redback agent recover --instance ${instance} --backup ${id}`,
    });
  }
}

/** Moves the verified file into the import tier and writes its manifest (the commit point). */
async function fileCopy(ctx: AgentContext, instance: string, part: string, original: CopyManifest, sourceAgentId: string, transferId: string): Promise<CopyManifest> {
  await refuseExisting(ctx, instance, original.id);
  const tierDir = ctx.layout.tierDir(instance, IMPORT_TIER);
  await ensureDir(ctx.layout.instanceDir(instance));
  await ensureDir(tierDir);
  const finalPath = ctx.layout.rdbFile(instance, IMPORT_TIER, original.id);
  try {
    await rename(part, finalPath);
    await fsyncDir(tierDir);
  } catch (err) {
    throw storageError(err, 'move received copy into', finalPath);
  }
  const { checksum, origin: _previous, ...body } = original;
  const manifest = sealManifest({
    ...body,
    instance,
    tier: IMPORT_TIER,
    path: finalPath,
    file: `${original.id}.rdb`,
    source: 'import',
    linkedFrom: null,
    pinned: false,
    host: hostname(),
    origin: {
      agentId: sourceAgentId,
      host: original.host,
      instance: original.instance,
      tier: original.tier,
      path: original.path,
      manifestChecksum: checksum,
      transferId,
      receivedAt: ctx.clock.now().toISOString(),
    },
  });
  await writeFileAtomic(ctx.layout.manifestFile(instance, IMPORT_TIER, original.id), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
