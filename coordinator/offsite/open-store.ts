import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import type { AgentOffsiteConfig } from '../../shared/offsite/agent-offsite-schema.js';
import type { OffsiteStore } from './offsite-store.js';

/**
 * The coordinator's handle on the offsite target. PLACEHOLDER until shared/storage/open-target.ts
 * (branch t8-storage) lands and replaces the body with `openOffsiteTarget(config)`: a local
 * directory target only.
 */
export async function openStore(config: AgentOffsiteConfig): Promise<OffsiteStore> {
  if (config.target.type !== 'local') {
    throw new RedbackError('CONFIG_INVALID', `offsite target type ${config.target.type} is not available in this build`, { hint: 'use target.type: local' });
  }
  const root = config.target.path;
  const pathOf = (key: string) => join(root, ...key.split('/'));
  return {
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temp = `${path}.tmp-${process.pid}-${Date.now()}`;
      try {
        await pipeline(body, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
        await rename(temp, path);
      } catch (err) {
        await unlink(temp).catch(() => undefined);
        throw storageError(err, 'put', path);
      }
    },
    async get(key) {
      const path = pathOf(key);
      await stat(path).catch((err) => {
        throw storageError(err, 'get', path);
      });
      return createReadStream(path);
    },
    async stat(key) {
      const info = await stat(pathOf(key)).catch(() => null);
      return info && info.isFile() ? { size: info.size, lockedUntil: null } : null;
    },
    async *list(prefix) {
      const walk = async function* (dir: string): AsyncGenerator<{ key: string; size: number }> {
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          const p = join(dir, e.name);
          if (e.isDirectory()) yield* walk(p);
          else if (!e.name.includes('.tmp-')) {
            const key = relative(root, p).split(sep).join('/');
            if (key.startsWith(prefix)) yield { key, size: (await stat(p)).size };
          }
        }
      };
      yield* walk(root);
    },
    async delete(key) {
      await unlink(pathOf(key)).catch(() => undefined);
    },
  };
}

/** For display: where the sets go. */
export function describeTarget(config: AgentOffsiteConfig): { bucket: string; label: string } {
  const t = config.target as { type: string; path?: string; bucket?: string; endpoint?: string };
  const bucket = t.type === 'local' ? t.path ?? '' : t.bucket ?? '';
  const label = t.type === 'local' ? `local:${bucket}` : `s3://${bucket}${t.endpoint ? ` (${t.endpoint})` : ''}`;
  return { bucket, label: config.prefix ? `${label}/${config.prefix}` : label };
}
