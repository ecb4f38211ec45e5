import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import type { AgentOffsiteConfig } from '../../shared/offsite/agent-offsite-schema.js';
import type { OffsiteTarget } from '../../shared/offsite/offsite-target.js';

/**
 * The offsite target of a config. PLACEHOLDER until shared/storage/open-target.ts (branch
 * t8-storage) lands: a minimal local directory target (temp file + rename, so a killed put
 * leaves no object) so the agent side can be built and tested.
 */
export async function openOffsiteTarget(config: AgentOffsiteConfig): Promise<OffsiteTarget> {
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
      return info && info.isFile() ? { size: info.size } : null;
    },
    async *list(prefix) {
      const walk = async function* (dir: string): AsyncGenerator<{ key: string; size: number }> {
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const e of entries) {
          const p = join(dir, e.name);
          if (e.isDirectory()) yield* walk(p);
          else if (!e.name.includes('.tmp-')) {
            const key = relative(root, p).split('/').join('/');
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
