import { afterEach, describe, expect, it } from 'vitest';
import {
  CoordinatorMetrics,
  METRICS_CONTENT_TYPE,
  parseListenAddress,
  startMetricsServer,
  type MetricsAgent,
  type MetricsInstance,
  type MetricsSource,
} from '../../coordinator/metrics/metrics.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text format 0.0.4 samples (enough for our label values: no escaped quotes). */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    const raw = m[3]!;
    out.push({ name: m[1]!, labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return out;
}

function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = find(samples, name, labels);
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} series`);
  return found[0]?.value;
}

class FakeSource implements MetricsSource {
  agentList: MetricsAgent[] = [];
  instanceList: MetricsInstance[] = [];
  jobs: Record<string, number> = {};
  calls = { agents: 0, instances: 0, jobs: 0 };
  failInstances = false;

  agents(): MetricsAgent[] {
    this.calls.agents++;
    return this.agentList;
  }
  instances(): MetricsInstance[] {
    this.calls.instances++;
    if (this.failInstances) throw new Error('database is locked');
    return this.instanceList;
  }
  jobsByState(): Record<string, number> {
    this.calls.jobs++;
    return this.jobs;
  }
}

const HOURLY = new Date('2026-05-10T11:00:00.000Z');
const DAILY = new Date('2026-05-10T00:05:00.000Z');
const OFFSITE = new Date('2026-05-10T02:30:00.000Z');

function populated(): FakeSource {
  const source = new FakeSource();
  source.agentList = [
    { agentId: 'host-a', liveness: 'online', heartbeatAgeSeconds: 2.5, backupFreeBytes: 50e9 },
    { agentId: 'host-b', liveness: 'stale', heartbeatAgeSeconds: 30, backupFreeBytes: null },
    { agentId: 'host-c', liveness: 'offline', heartbeatAgeSeconds: null, backupFreeBytes: 1024 },
  ];
  source.instanceList = [
    { agentId: 'host-a', instance: 'cache', up: true, protected: true, newest: { hourly: HOURLY, daily: DAILY, offsite: OFFSITE } },
    { agentId: 'host-b', instance: 'cache', up: false, protected: false, newest: {} },
  ];
  source.jobs = { queued: 2, running: 1, failed: 4 };
  return source;
}

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(metrics: CoordinatorMetrics): Promise<string> {
  const server = await startMetricsServer(metrics, '127.0.0.1:0');
  servers.push(server);
  expect(server.port).toBeGreaterThan(0);
  return `http://127.0.0.1:${server.port}`;
}

async function scrape(base: string): Promise<Sample[]> {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe(METRICS_CONTENT_TYPE);
  return parse(await res.text());
}

describe('CoordinatorMetrics over HTTP', () => {
  it('exports agent, instance, backup and job state from the source at scrape time', async () => {
    const source = populated();
    const metrics = new CoordinatorMetrics(source);
    const samples = await scrape(await serve(metrics));

    expect(value(samples, 'redback_agent_up', { agent: 'host-a' })).toBe(1);
    expect(value(samples, 'redback_agent_up', { agent: 'host-b' })).toBe(0);
    expect(value(samples, 'redback_agent_up', { agent: 'host-c' })).toBe(0);
    expect(value(samples, 'redback_agent_heartbeat_age_seconds', { agent: 'host-a' })).toBe(2.5);
    expect(value(samples, 'redback_agent_heartbeat_age_seconds', { agent: 'host-c' })).toBeUndefined();
    expect(value(samples, 'redback_agent_backup_free_bytes', { agent: 'host-a' })).toBe(50e9);
    expect(value(samples, 'redback_agent_backup_free_bytes', { agent: 'host-b' })).toBeUndefined();
    expect(value(samples, 'redback_agent_backup_free_bytes', { agent: 'host-c' })).toBe(1024);

    expect(value(samples, 'redback_instance_up', { agent: 'host-a', instance: 'cache' })).toBe(1);
    expect(value(samples, 'redback_instance_up', { agent: 'host-b', instance: 'cache' })).toBe(0);
    expect(value(samples, 'redback_instance_protected', { agent: 'host-a', instance: 'cache' })).toBe(1);
    expect(value(samples, 'redback_instance_protected', { agent: 'host-b', instance: 'cache' })).toBe(0);

    const ts = (tier: string): number | undefined =>
      value(samples, 'redback_backup_last_success_timestamp_seconds', { agent: 'host-a', instance: 'cache', tier });
    expect(ts('hourly')).toBe(HOURLY.getTime() / 1000);
    expect(ts('daily')).toBe(DAILY.getTime() / 1000);
    expect(ts('offsite')).toBe(OFFSITE.getTime() / 1000);
    expect(ts('manual')).toBeUndefined();
    expect(find(samples, 'redback_backup_last_success_timestamp_seconds', { agent: 'host-b' })).toEqual([]);

    expect(value(samples, 'redback_jobs', { state: 'queued' })).toBe(2);
    expect(value(samples, 'redback_jobs', { state: 'running' })).toBe(1);
    expect(value(samples, 'redback_jobs', { state: 'failed' })).toBe(4);
    expect(value(samples, 'redback_jobs', { state: 'timed-out' })).toBe(0);

    // default process metrics, prefixed
    expect(find(samples, 'redback_coordinator_process_cpu_user_seconds_total').length).toBe(1);
    expect(samples.some((s) => s.name.startsWith('redback_coordinator_nodejs_'))).toBe(true);
    // the source is read once per scrape, not once per gauge
    expect(source.calls).toEqual({ agents: 1, instances: 1, jobs: 1 });
  });

  it('counts events: backups, job failures, heartbeats, rejected calls', async () => {
    const source = populated();
    const metrics = new CoordinatorMetrics(source);
    metrics.observeBackup({ agentId: 'host-a', instance: 'cache', tier: 'hourly', bytes: 1000, durationSeconds: 1.5 });
    metrics.observeBackup({ agentId: 'host-a', instance: 'cache', tier: 'hourly', bytes: 1200, durationSeconds: 40 });
    metrics.observeBackup({ agentId: 'host-a', instance: 'cache', tier: 'offsite', bytes: 900, durationSeconds: null });
    metrics.jobFinished({ type: 'upload', state: 'failed' });
    metrics.jobFinished({ type: 'upload', state: 'timed-out' });
    metrics.jobFinished({ type: 'upload', state: 'succeeded' });
    metrics.jobFinished({ type: 'restore', state: 'cancelled' });
    metrics.jobFinished({ type: 'drill', state: 'succeeded' });
    for (let i = 0; i < 7; i++) metrics.heartbeatReceived();
    metrics.rejectedCall('unauthenticated');
    metrics.rejectedCall('unauthenticated');
    metrics.rejectedCall('permission-denied');

    const samples = await scrape(await serve(metrics));
    expect(value(samples, 'redback_backup_bytes', { agent: 'host-a', instance: 'cache', tier: 'hourly' })).toBe(1200);
    expect(value(samples, 'redback_backup_bytes', { agent: 'host-a', instance: 'cache', tier: 'offsite' })).toBe(900);
    expect(value(samples, 'redback_backup_duration_seconds_count', { tier: 'hourly' })).toBe(2);
    expect(value(samples, 'redback_backup_duration_seconds_sum', { tier: 'hourly' })).toBe(41.5);
    expect(value(samples, 'redback_backup_duration_seconds_bucket', { tier: 'hourly', le: '2' })).toBe(1);
    expect(value(samples, 'redback_backup_duration_seconds_bucket', { tier: 'hourly', le: '+Inf' })).toBe(2);
    expect(find(samples, 'redback_backup_duration_seconds_count', { tier: 'offsite' })).toEqual([]);

    expect(value(samples, 'redback_job_failures_total', { type: 'upload' })).toBe(2);
    expect(value(samples, 'redback_job_failures_total', { type: 'restore' })).toBe(0);
    expect(value(samples, 'redback_job_failures_total', { type: 'drill' })).toBe(0); // exists, so a first failure shows in increase()
    expect(value(samples, 'redback_job_failures_total', { type: 'snapshot' })).toBe(0);
    expect(value(samples, 'redback_heartbeats_total')).toBe(7);
    expect(value(samples, 'redback_rejected_calls_total', { reason: 'unauthenticated' })).toBe(2);
    expect(value(samples, 'redback_rejected_calls_total', { reason: 'permission-denied' })).toBe(1);
  });

  it('drops series of agents and instances that disappeared from the source', async () => {
    const source = populated();
    const metrics = new CoordinatorMetrics(source);
    metrics.observeBackup({ agentId: 'host-b', instance: 'cache', tier: 'hourly', bytes: 5, durationSeconds: 1 });
    const base = await serve(metrics);
    let samples = await scrape(base);
    expect(value(samples, 'redback_agent_up', { agent: 'host-b' })).toBe(0);
    expect(value(samples, 'redback_backup_bytes', { agent: 'host-b', instance: 'cache', tier: 'hourly' })).toBe(5);

    source.agentList = source.agentList.filter((a) => a.agentId !== 'host-b');
    source.instanceList = source.instanceList.filter((i) => i.agentId !== 'host-b');
    source.instanceList[0]!.newest = { hourly: HOURLY };
    source.jobs = { queued: 1 };
    samples = await scrape(base);
    expect(find(samples, 'redback_agent_up', { agent: 'host-b' })).toEqual([]);
    expect(find(samples, 'redback_instance_up', { agent: 'host-b' })).toEqual([]);
    expect(find(samples, 'redback_backup_bytes', { agent: 'host-b' })).toEqual([]);
    expect(find(samples, 'redback_backup_last_success_timestamp_seconds', { tier: 'daily' })).toEqual([]);
    expect(value(samples, 'redback_backup_last_success_timestamp_seconds', { tier: 'hourly' })).toBe(HOURLY.getTime() / 1000);
    expect(value(samples, 'redback_jobs', { state: 'failed' })).toBe(0);
    expect(value(samples, 'redback_agent_up', { agent: 'host-a' })).toBe(1);
    expect(source.calls.agents).toBe(2);
  });

  it('redback_policy_drift: 1 drift, 0 matching, no series while not reported', async () => {
    const source = new FakeSource();
    source.instanceList = [
      { agentId: 'h', instance: 'a', up: true, protected: true, newest: {}, policyDrift: true },
      { agentId: 'h', instance: 'b', up: true, protected: true, newest: {}, policyDrift: false },
      { agentId: 'h', instance: 'c', up: false, protected: false, newest: {}, policyDrift: null },
    ];
    const samples = parse(await new CoordinatorMetrics(source).text());
    expect(value(samples, 'redback_policy_drift', { agent: 'h', instance: 'a' })).toBe(1);
    expect(value(samples, 'redback_policy_drift', { agent: 'h', instance: 'b' })).toBe(0);
    expect(find(samples, 'redback_policy_drift', { instance: 'c' })).toEqual([]);
  });

  it('keeps serving when the source throws, and counts the error', async () => {
    const source = populated();
    source.failInstances = true;
    const metrics = new CoordinatorMetrics(source);
    const samples = await scrape(await serve(metrics));
    expect(find(samples, 'redback_instance_up')).toEqual([]);
    expect(value(samples, 'redback_agent_up', { agent: 'host-a' })).toBe(1);
    expect(value(samples, 'redback_metrics_source_errors_total', { source: 'instances' })).toBe(1);
    expect(value(samples, 'redback_metrics_source_errors_total', { source: 'agents' })).toBe(0);
  });

  it('uses its own registry: two instances do not collide', async () => {
    const a = new CoordinatorMetrics(populated());
    const b = new CoordinatorMetrics(new FakeSource());
    a.heartbeatReceived();
    expect(value(parse(await a.text()), 'redback_heartbeats_total')).toBe(1);
    expect(value(parse(await b.text()), 'redback_heartbeats_total')).toBe(0);
    expect(find(parse(await b.text()), 'redback_agent_up')).toEqual([]);
  });

  it('answers /healthz, 404 elsewhere, 405 for other methods', async () => {
    const base = await serve(new CoordinatorMetrics(populated()));
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok');
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    await missing.text();
    expect((await fetch(`${base}/`)).status).toBe(404);
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    await post.text();
    const withQuery = await fetch(`${base}/metrics?debug=1`);
    expect(withQuery.status).toBe(200);
    await withQuery.text();
  });

  it('closes, and rejects an address in use or malformed', async () => {
    const metrics = new CoordinatorMetrics(populated());
    const server = await startMetricsServer(metrics, '127.0.0.1:0');
    await expect(startMetricsServer(metrics, `127.0.0.1:${server.port}`)).rejects.toThrow(/EADDRINUSE/);
    const kept = await fetch(`http://127.0.0.1:${server.port}/healthz`, { keepalive: true });
    await kept.text();
    await server.close();
    await server.close(); // idempotent
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
    expect(() => parseListenAddress('nope')).toThrow(/HOST:PORT/);
    expect(parseListenAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
  });
});
