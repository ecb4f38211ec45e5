import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** Product source (tests and benchmarks may speak the protocol by hand). */
const SOURCE_DIRS = ['agent', 'coordinator', 'shared', 'cli', 'deploy'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1] ?? m[2]!);
  return specs;
}

function allFiles(): Array<{ rel: string; specs: string[] }> {
  return SOURCE_DIRS.flatMap((d) => sourceFiles(join(ROOT, d))).map((f) => ({ rel: relative(ROOT, f), specs: importsOf(f) }));
}

/** Codecs at the RPC edge are the only importers of the generated protocol types. */
export function protoImportViolations(files: Array<{ rel: string; specs: string[] }>): string[] {
  const allowed = (rel: string) =>
    rel.startsWith('coordinator/rpc/') || rel === 'agent/session/agent-codec.ts' || rel === 'agent/transfer/transfer-codec.ts' || rel.startsWith('shared/proto/');
  return files.filter((f) => !allowed(f.rel) && f.specs.some((s) => s.includes('proto/generated'))).map((f) => f.rel);
}

describe('layering', () => {
  it('only coordinator/rpc/* and the agent codecs (session, transfer) import shared/proto/generated', () => {
    expect(protoImportViolations(allFiles())).toEqual([]);
  });

  it('the check catches a module that imports the generated types', () => {
    expect(
      protoImportViolations([
        { rel: 'coordinator/jobs/job-manager.ts', specs: ['../../shared/proto/generated/redback/v1/Command.js'] },
        { rel: 'coordinator/rpc/session-codec.ts', specs: ['../../shared/proto/generated/redback/v1/Command.js'] },
      ]),
    ).toEqual(['coordinator/jobs/job-manager.ts']);
  });

  it('agent/ and coordinator/ never import each other', () => {
    const crossing = allFiles().filter(
      (f) =>
        (f.rel.startsWith('agent/') && f.specs.some((s) => /(^|\/)coordinator\//.test(s))) ||
        (f.rel.startsWith('coordinator/') && f.specs.some((s) => /(^|\/)agent\//.test(s))),
    );
    expect(crossing.map((f) => f.rel)).toEqual([]);
  });
});
