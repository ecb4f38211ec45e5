import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../cli/program.js';
import { CoordinatorMetrics, type MetricsSource } from '../../coordinator/metrics/metrics.js';
import { OffsiteMetrics } from '../../coordinator/metrics/offsite-metrics.js';
import { DrillMetrics } from '../../coordinator/metrics/drill-metrics.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROM_DIR = join(root, 'deploy', 'prometheus');

/** The exposition of a coordinator that has seen one of everything: metric name → label names. */
async function exposition(): Promise<Map<string, Set<string>>> {
  const source: MetricsSource = {
    agents: () => [{ agentId: 'h', liveness: 'online', heartbeatAgeSeconds: 1, backupFreeBytes: 1 }],
    instances: () => [
      { agentId: 'h', instance: 'main', up: true, protected: true, newest: { hourly: new Date(), daily: new Date(), manual: new Date(), offsite: new Date() }, policyDrift: false },
    ],
    jobsByState: () => ({ queued: 1 }),
  };
  const metrics = new CoordinatorMetrics(source, { defaultMetrics: false });
  metrics.observeBackup({ agentId: 'h', instance: 'main', tier: 'hourly', bytes: 1, durationSeconds: 1 });
  metrics.jobFinished({ type: 'snapshot', state: 'failed' });
  metrics.rejectedCall('bad-agent-token');
  metrics.duplicateSession('h');
  metrics.rejectedReport('copy', 1);
  const offsite = new OffsiteMetrics(metrics.registry, { newestSets: () => [{ agentId: 'h', instance: 'main', createdAt: new Date(), storedBytes: 1 }] });
  offsite.uploadFinished(1);
  offsite.verifyFailed('h', 'main');
  new DrillMetrics(metrics.registry, {
    lastSuccess: () => [{ agentId: 'h', instance: 'main', finishedAt: new Date(), rtoMs: 1200 }],
    windows: () => [{ agentId: 'h', instance: 'main', windowMs: 8 * 86400_000 }],
  });
  const out = new Map<string, Set<string>>();
  for (const line of (await metrics.text()).split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!m || line.startsWith('#')) continue;
    const set = out.get(m[1]!) ?? new Set<string>();
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) set.add(l[1]!);
    out.set(m[1]!, set);
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !dir.includes('generated') ? [join(dir, e.name)] : [],
  );
}

describe('alerts under promtool', () => {
  it('`promtool test rules alerts.test.yml` passes (each alert fires on its series, a healthy fleet raises none)', () => {
    const run = spawnSync('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: PROM_DIR, encoding: 'utf8' });
    if (run.error) throw new Error(`promtool is required (Debian package "prometheus"): ${run.error.message}`);
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toContain('SUCCESS');
  }, 180_000);

  it('the test series are the ones the coordinator really exports, with the same labels', async () => {
    const exported = await exposition();
    const doc = parse(readFileSync(join(PROM_DIR, 'alerts.test.yml'), 'utf8')) as { tests: Array<{ input_series: Array<{ series: string }> }> };
    const problems: string[] = [];
    for (const t of doc.tests) {
      for (const { series } of t.input_series) {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}$/.exec(series)!;
        if (m[1] === 'up') continue; // Prometheus's own scrape series
        const labels = [...m[2]!.matchAll(/([a-zA-Z_]\w*)="/g)].map((l) => l[1]!);
        const real = exported.get(m[1]!);
        if (!real) problems.push(`${m[1]} is not exported`);
        else if (labels.sort().join(',') !== [...real].sort().join(',')) problems.push(`${series}: labels ${labels} but exported with ${[...real]}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every command an alert or an error hint names exists', () => {
    const program = buildProgram();
    // Alerts name commands anywhere; source files in hints: `redback ...`, "run: redback ...", "with: redback ...".
    const texts = [readFileSync(join(PROM_DIR, 'alerts.yml'), 'utf8').replace(/\bredback[_-]\w+/g, '')];
    // (A template literal naming a run, `redback restore ${runId}`, is a label, not a command.)
    const hintPattern = /(?:`|run: |with: |try: )redback((?: [a-z][a-z-]*)+)\b(?! \$\{)/g;
    const sources = ['agent', 'coordinator', 'shared', 'cli'].flatMap((d) => tsFiles(join(root, d)));
    const mentions = [
      ...texts.flatMap((t) => [...t.matchAll(/\bredback((?: [a-z][a-z-]*)+)/g)]),
      ...sources.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(hintPattern)]),
    ];
    expect(mentions.length).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const m of mentions) {
      let cmd = program;
      const words = m[1]!.trim().split(' ');
      const path: string[] = [];
      for (const w of words) {
        const sub = cmd.commands.find((c) => c.name() === w);
        if (!sub) break;
        cmd = sub;
        path.push(w);
      }
      // "redback agents" or "redback agent run" resolve; words after the command are prose.
      if (path.length === 0) missing.push(`redback ${words.join(' ')}`);
    }
    expect(missing).toEqual([]);
  });
});
