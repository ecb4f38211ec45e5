import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CoordinatorMetrics, type MetricsSource } from '../../coordinator/metrics/metrics.js';
import { OffsiteMetrics } from '../../coordinator/metrics/offsite-metrics.js';
import { DrillMetrics } from '../../coordinator/metrics/drill-metrics.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ALERTS = join(root, 'deploy', 'prometheus', 'alerts.yml');
const PROMETHEUS = join(root, 'deploy', 'prometheus', 'prometheus.yml');

interface Rule {
  alert?: unknown;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

function rules(): Rule[] {
  const doc = parse(readFileSync(ALERTS, 'utf8')) as { groups?: Array<{ name?: unknown; rules?: Rule[] }> };
  expect(Array.isArray(doc.groups)).toBe(true);
  return doc.groups!.flatMap((g) => {
    expect(typeof g.name).toBe('string');
    expect(Array.isArray(g.rules)).toBe(true);
    return g.rules!;
  });
}

/** A source with one of everything, so every series appears in the exposition. */
const source: MetricsSource = {
  agents: () => [{ agentId: 'h', liveness: 'online', heartbeatAgeSeconds: 1, backupFreeBytes: 1 }],
  instances: () => [
    {
      agentId: 'h',
      instance: 'cache',
      up: true,
      protected: true,
      newest: { hourly: new Date(), daily: new Date(), manual: new Date(), offsite: new Date() },
      policyDrift: false,
    },
  ],
  jobsByState: () => ({ queued: 1 }),
};

/** Names in the exposition (samples and # TYPE lines), and label names per sample name. */
async function exported(): Promise<{ names: Set<string>; labels: Map<string, Set<string>> }> {
  const metrics = new CoordinatorMetrics(source);
  const offsite = new OffsiteMetrics(metrics.registry, { newestSets: () => [{ agentId: 'h', instance: 'cache', createdAt: new Date(), storedBytes: 1 }] });
  offsite.uploadFinished(1);
  offsite.verifyFailed('h', 'cache');
  new DrillMetrics(metrics.registry, {
    lastSuccess: () => [{ agentId: 'h', instance: 'cache', finishedAt: new Date(), rtoMs: 1200 }],
    windows: () => [{ agentId: 'h', instance: 'cache', windowMs: 8 * 86400_000 }],
  });
  metrics.observeBackup({ agentId: 'h', instance: 'cache', tier: 'hourly', bytes: 1, durationSeconds: 1 });
  metrics.jobFinished({ type: 'upload', state: 'failed' });
  metrics.heartbeatReceived();
  metrics.rejectedCall('unauthenticated');
  const names = new Set<string>();
  const labels = new Map<string, Set<string>>();
  for (const line of (await metrics.text()).split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line);
    if (type) names.add(type[1]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (sample && !line.startsWith('#')) {
      names.add(sample[1]!);
      const set = labels.get(sample[1]!) ?? new Set<string>();
      for (const l of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) set.add(l[1]!);
      labels.set(sample[1]!, set);
    }
  }
  return { names, labels };
}

describe('deploy/prometheus/alerts.yml', () => {
  it('parses, and every rule has alert, expr, for, severity, summary, description and runbook', () => {
    const all = rules();
    expect(all.length).toBeGreaterThanOrEqual(10);
    const names = new Set<string>();
    for (const r of all) {
      expect(typeof r.alert, JSON.stringify(r)).toBe('string');
      expect(names.has(r.alert as string), `duplicate alert ${String(r.alert)}`).toBe(false);
      names.add(r.alert as string);
      expect(typeof r.expr, String(r.alert)).toBe('string');
      expect(String(r.for), String(r.alert)).toMatch(/^\d+[smhd]$/);
      expect(['critical', 'warning', 'info'], String(r.alert)).toContain(r.labels?.severity);
      expect(typeof r.annotations?.summary, String(r.alert)).toBe('string');
      expect(typeof r.annotations?.description, String(r.alert)).toBe('string');
      expect(String(r.annotations?.runbook), String(r.alert)).toMatch(/\bredback /);
      // parentheses and braces balance (a cheap PromQL sanity check)
      const expr = r.expr as string;
      for (const [open, close] of [['(', ')'], ['{', '}'], ['[', ']']] as const) {
        expect(expr.split(open).length, `${String(r.alert)} ${open}${close}`).toBe(expr.split(close).length);
      }
    }
    for (const wanted of [
      'RedbackNoLocalBackup',
      'RedbackNoDailyBackup',
      'RedbackNoOffsiteBackup',
      'RedbackAgentSilent',
      'RedbackInstanceDown',
      'RedbackInstanceUnprotected',
      'RedbackJobFailures',
      'RedbackBackupDiskLow',
      'RedbackCoordinatorDown',
    ]) {
      expect(names.has(wanted), wanted).toBe(true);
    }
  });

  it('uses only metric names (and label names) the coordinator exports', async () => {
    const { names, labels } = await exported();
    const used = new Set<string>();
    for (const r of rules()) {
      const expr = r.expr as string;
      for (const m of expr.matchAll(/\bredback_[a-zA-Z0-9_]+/g)) used.add(m[0]);
      // label matchers on redback metrics name labels the metric has
      for (const m of expr.matchAll(/\b(redback_[a-zA-Z0-9_]+)\{([^}]*)\}/g)) {
        for (const l of m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
          expect(labels.get(m[1]!)?.has(l[1]!), `${String(r.alert)}: ${m[1]} has no label ${l[1]}`).toBe(true);
        }
      }
      // other metrics: only the scrape's own `up`
      const nonRedback = expr
        .replace(/"[^"]*"/g, '')
        .replace(/\b(redback_[a-zA-Z0-9_]+)/g, '')
        .match(/\b[a-z_]+(?=\s*\{)/g);
      for (const n of nonRedback ?? []) expect(n, String(r.alert)).toBe('up');
    }
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(names.has(name), `${name} is not exported by CoordinatorMetrics`).toBe(true);
  });

  it('the example prometheus.yml loads alerts.yml, scrapes job redback-coordinator with honor_labels', () => {
    const doc = parse(readFileSync(PROMETHEUS, 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{ job_name: string; honor_labels?: boolean; metrics_path?: string }>;
    };
    expect(doc.rule_files).toContain('alerts.yml');
    const job = doc.scrape_configs.find((j) => j.job_name === 'redback-coordinator');
    expect(job).toBeDefined();
    expect(job!.honor_labels).toBe(true);
    expect(job!.metrics_path ?? '/metrics').toBe('/metrics');
    expect(readFileSync(ALERTS, 'utf8')).toContain('up{job="redback-coordinator"}');
  });
});
