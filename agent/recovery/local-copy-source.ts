import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import type { CopyManifest } from '../../shared/manifest/copy-manifest.js';
import type { AgentContext } from '../agent-context.js';
import type { LocalCopy } from '../store/local-store.js';
import { fetchFileVerified, registerRestoreSource, type ExpectedRdb, type RestoreSource } from './restore-source.js';

/** A copy in the local backup directory, read through the verifying copy pipeline. */
export function localCopySource(ctx: AgentContext, copy: LocalCopy): RestoreSource {
  const m = copy.manifest;
  const expected = expectedOfManifest(m);
  return {
    kind: 'local-copy',
    id: m.id,
    expected,
    descriptor: { kind: 'local-copy', id: m.id, tier: m.tier, path: copy.rdbFile, instance: m.instance },
    describe: () => `local copy ${m.id} (${m.tier}, snapshot ${expected.snapshotAt ?? 'time unknown'})`,
    fetch: async (destination, onProgress, fetchOptions) => {
      try {
        return await fetchFileVerified(`local copy ${m.id} (${copy.rdbFile})`, copy.rdbFile, expected, destination, {
          allowUnchecksummed: ctx.config.snapshot.allowUnchecksummed,
          crc64: m.crc64,
          durable: fetchOptions?.durable !== false,
          ...(onProgress ? { onProgress } : {}),
        });
      } catch (err) {
        // A copy whose bytes do not match its manifest is never offered again: it goes to the
        // instance's quarantine (as `redback agent verify` does), so the next run picks the next one.
        if (!(err instanceof RedbackError) || (err.code !== 'VERIFY_FAILED' && err.code !== 'RDB_CORRUPT')) throw err;
        const folder = await ctx.store.quarantine(m.instance, m.id, [copy.rdbFile, copy.manifestFile], `failed verification during a restore: ${err.message}`, ctx.clock.now());
        throw new RedbackError(err.code, err.message, {
          hint: `nothing was changed; the bad copy was moved to ${folder}: run recover again to restore the next newest copy`,
          details: { ...err.details, quarantine: folder },
        });
      }
    },
  };
}

export function expectedOfManifest(m: CopyManifest): ExpectedRdb {
  return {
    sha256: m.sha256,
    bytes: m.bytes,
    keys: m.keys,
    expires: m.expires,
    ...(m.hashesWithFieldTtl ? { hashesWithFieldTtl: m.hashesWithFieldTtl } : {}),
    usedMem: m.usedMem,
    rdbVersion: m.rdbVersion,
    snapshotAt: m.snapshotAt ?? m.createdAt,
  };
}

// `instance` in the descriptor: a copy of another instance of this host (restore into another instance).
registerRestoreSource('local-copy', async (ctx: AgentContext, instance: InstanceConfig, descriptor) =>
  localCopySource(ctx, await ctx.store.findCopy(typeof descriptor.instance === 'string' ? descriptor.instance : instance.name, descriptor.id)),
);
