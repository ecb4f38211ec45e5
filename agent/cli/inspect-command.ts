import { inspectRdbFile, type RdbInspection } from '../../shared/rdb/rdb-inspect.js';
import { formatBytes, printJson, renderTable } from '../../shared/output/format.js';

/** `redback inspect FILE [--json]`: what an RDB file holds; exit 8 naming the problem when it is not a loadable RDB. */
export async function runInspectCommand(file: string, flags: { json?: boolean }): Promise<number> {
  const report = await inspectRdbFile(file);
  if (flags.json) printJson(report);
  else process.stdout.write(renderInspection(report));
  return 0;
}

export function renderInspection(r: RdbInspection): string {
  const lines = [
    `${r.path}: rdb version ${r.rdbVersion} (${r.loadableBy}), ${formatBytes(r.bytes)}`,
    `  redis-ver   ${r.redisVersion ?? '-'}`,
    `  created     ${r.createdAt ?? '-'}`,
    `  used-mem    ${r.usedMem === null ? '-' : formatBytes(r.usedMem)}`,
    `  checksum    ${r.checksum.status === 'ok' ? `ok (crc64 ${r.checksum.crc64})` : 'none (written with rdbchecksum no): structure checked only'}`,
    `  keys        ${r.totalKeys}${r.aofBase ? '  (the base of a multi-part AOF)' : ''}`,
  ];
  if (r.functions > 0) lines.push(`  functions   ${r.functions} librar${r.functions === 1 ? 'y' : 'ies'}${r.preReleaseFunctions > 0 ? ` (${r.preReleaseFunctions} in the 7.0 pre-release format)` : ''}`);
  const dbs = Object.entries(r.databases).sort(([a], [b]) => Number(a) - Number(b));
  if (dbs.length > 0) {
    const table = renderTable(
      ['DB', 'KEYS', 'EXPIRES', 'EMPTY (skipped by redis)', 'HASHES WITH FIELD TTL'],
      dbs.map(([db, d]) => [db, d.keys, d.expires, d.emptyKeys, d.hashesWithFieldTtl]),
    );
    lines.push('', ...table.split('\n').map((l) => `  ${l}`));
  }
  return lines.join('\n') + '\n';
}
