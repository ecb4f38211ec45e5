import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import { parseManifest } from '../../shared/manifest/copy-manifest.js';
import type { AgentContext } from '../agent-context.js';
import { receiveToFile } from '../transfer/receive-stream.js';
import { TRANSFER_ID_PATTERN } from '../transfer/send-copy.js';
import { TransferClient } from '../transfer/transfer-codec.js';
import { expectedOfManifest } from './local-copy-source.js';
import type { SourceCandidate } from './diagnose.js';
import { registerRestoreSource, totalKeysOf, type RestoreSource, type SourceDescriptor } from './restore-source.js';

/**
 * A copy held by another agent, as the source of the one restore runbook (`--source agent:ID`).
 * The coordinator has started the transfer (startTransfer in coordinator/transfer/) and put its
 * descriptor in the job: `{kind: 'remote', id, transferId, sourceAgentId, manifestJson}`.
 * `fetch` downloads the transfer (relayed by the coordinator: agents never dial each other)
 * straight into the staged file, checking the manifest's own checksum, the size, the SHA-256 and
 * the RDB's CRC-64 on the way; any failure (a cut transfer is TRANSFER_FAILED) removes the staged
 * file before the runbook touches Redis. A transfer id is single-use: a retried restore needs a
 * new one from the coordinator.
 */
export function remoteAgentSource(ctx: AgentContext, descriptor: SourceDescriptor): RestoreSource {
  // A plan (dry run) names the copy without a transfer: only `fetch` needs one.
  const transferId = String(descriptor.transferId ?? '');
  const sourceAgentId = String(descriptor.sourceAgentId ?? '');
  const parsed = parseManifest(String(descriptor.manifestJson ?? ''));
  if (!parsed.ok) throw new RedbackError('VERIFY_FAILED', `the manifest of remote copy ${descriptor.id} is not valid: ${parsed.reason}`);
  const m = parsed.manifest;
  if (m.id !== descriptor.id) throw new RedbackError('USAGE', `remote source names copy ${descriptor.id} but its manifest is of ${m.id}`);
  const expected = expectedOfManifest(m);
  return {
    kind: 'remote',
    id: m.id,
    expected,
    descriptor: { kind: 'remote', id: m.id, transferId, sourceAgentId, manifestJson: descriptor.manifestJson, owner: { agentId: sourceAgentId, instance: m.instance } },
    describe: () => `copy ${m.id} of ${m.instance} held by agent ${sourceAgentId} (${m.tier}, snapshot ${expected.snapshotAt ?? 'time unknown'}), relayed by the coordinator`,
    fetch: async (destination, onProgress, fetchOptions) => {
      if (!TRANSFER_ID_PATTERN.test(transferId)) {
        throw new RedbackError('TRANSFER_FAILED', `no transfer was started for copy ${m.id} on agent ${sourceAgentId}`, { hint: 'run the restore through the coordinator: redback restore --source agent:ID' });
      }
      const client = new TransferClient(ctx);
      try {
        const received = await receiveToFile(client.download(transferId), destination, {
          allowUnchecksummed: ctx.config.snapshot.allowUnchecksummed,
          durable: fetchOptions?.durable !== false,
          ...(onProgress ? { onProgress } : {}),
          check: (header, manifest) => {
            if (header.transferId !== transferId || manifest.id !== m.id || manifest.sha256 !== m.sha256 || manifest.bytes !== m.bytes) {
              throw new RedbackError('TRANSFER_FAILED', `transfer ${transferId} carries another copy than ${m.id}`, { hint: 'nothing was changed; start the restore again' });
            }
          },
        });
        return { sha256: received.sha256, bytes: received.bytes, summary: received.summary };
      } finally {
        client.close();
      }
    },
  };
}

/** The copy as a candidate of the diagnosis (agent/recovery/diagnose.ts): what it holds, per its manifest. */
export function remoteCandidate(descriptor: SourceDescriptor): SourceCandidate {
  const parsed = parseManifest(String(descriptor.manifestJson ?? ''));
  if (!parsed.ok) throw new RedbackError('VERIFY_FAILED', `the manifest of remote copy ${descriptor.id} is not valid: ${parsed.reason}`);
  const m = parsed.manifest;
  const e = expectedOfManifest(m);
  const sourceAgentId = String(descriptor.sourceAgentId ?? '');
  return {
    kind: 'remote',
    id: m.id,
    label: `copy ${m.id} of ${m.instance} on agent ${sourceAgentId} (${m.tier}, relayed by the coordinator)`,
    snapshotAt: e.snapshotAt,
    keys: totalKeysOf(e.keys),
    keyspace: e.keys,
    rdbVersion: m.rdbVersion,
    verified: null,
    usable: true,
    why: null,
    descriptor: { ...descriptor, kind: 'remote', id: m.id, owner: { agentId: sourceAgentId, instance: m.instance } },
    bytes: m.bytes,
  };
}

registerRestoreSource('remote', async (ctx: AgentContext, _instance: InstanceConfig, descriptor) => remoteAgentSource(ctx, descriptor));
