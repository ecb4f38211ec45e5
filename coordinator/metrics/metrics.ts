/**
 * The coordinator's Prometheus metrics, on a registry of their own (never prom-client's global one,
 * so several coordinators — or tests — can live in one process).
 *
 * State gauges (agents, instances, newest backups, jobs) are filled at scrape time from a
 * MetricsSource in `collect()`, after a `reset()`, so series of removed agents/instances vanish.
 * The source is read once per scrape (the result is kept until the scrape's synchronous collect
 * pass ends). Events (backups seen, jobs finished, heartbeats, rejected calls) are counted as they
 * happen.
 *
 * Names are a contract (deploy/prometheus/alerts.yml and dashboards use them):
 *   redback_agent_up{agent}                      1 online, 0 stale/offline
 *   redback_agent_heartbeat_age_seconds{agent}
 *   redback_agent_backup_free_bytes{agent}
 *   redback_instance_up{agent,instance}
 *   redback_instance_protected{agent,instance}
 *   redback_policy_drift{agent,instance}         1 settings differ from the persistence policy, 0 match (absent: not reported)
 *   redback_archive_lag_seconds{agent,instance}  seconds since every AOF byte was offsite (continuous archiving; absent: not archived)
 *   redback_archive_lag_bytes{agent,instance}    AOF bytes written and not shipped yet
 *   redback_archive_gaps{agent,instance}         gaps in the AOF archive (nothing restores across one)
 *   redback_backup_last_success_timestamp_seconds{agent,instance,tier}
 *   redback_backup_bytes{agent,instance,tier}    size of the last backup seen
 *   redback_backup_duration_seconds{tier}        histogram
 *   redback_jobs{state}
 *   redback_job_failures_total{type}             failed and timed-out jobs
 *   redback_heartbeats_total
 *   redback_rejected_calls_total{reason}
 *   redback_agent_reports_rejected_total{kind}  inventory/copy/heartbeat entries that failed validation
 *   redback_agent_duplicate_sessions_total{agent}  second sessions refused for a connected agent id
 *   redback_metrics_source_errors_total{source}  a scrape could not read the catalog
 *   redback_coordinator_*                        prom-client default process metrics
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { silentLogger, type Logger } from '../../shared/log/logger.js';
import { JOB_STATES } from '../catalog/job-records.js';

export type AgentLiveness = 'online' | 'stale' | 'offline';
export type BackupTierName = 'hourly' | 'daily' | 'manual' | 'offsite';

export interface MetricsAgent {
  agentId: string;
  liveness: AgentLiveness;
  heartbeatAgeSeconds: number | null;
  backupFreeBytes: number | null;
}

export interface MetricsInstance {
  agentId: string;
  instance: string;
  up: boolean;
  protected: boolean;
  newest: Partial<Record<BackupTierName, Date>>;
  /** Persistence settings differ from the instance's policy; null/absent = not reported yet. */
  policyDrift?: boolean | null;
  /** Continuous AOF archive health; null/absent = not archived (or not reported yet). */
  archive?: { lagSeconds: number; lagBytes: number; gaps: readonly unknown[] } | null;
}

export interface MetricsSource {
  agents(): MetricsAgent[];
  instances(): MetricsInstance[];
  jobsByState(): Record<string, number>;
}

export interface BackupObservation {
  agentId: string;
  instance: string;
  tier: string;
  bytes: number;
  durationSeconds: number | null;
}

export type FinishedJobState = 'succeeded' | 'failed' | 'cancelled' | 'timed-out';

export interface CoordinatorMetricsOptions {
  logger?: Logger;
  /** Collect prom-client's default process metrics (prefix redback_coordinator_). Default true. */
  defaultMetrics?: boolean;
}

export const METRIC_PREFIX = 'redback_';
export const PROCESS_METRIC_PREFIX = 'redback_coordinator_';
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Always exported (0 when empty), so `redback_jobs{state="failed"}` exists before the first failure. */
/** Pre-created at 0 so the first failure of a type shows in increase()/rate(). */
const KNOWN_JOB_TYPES = ['snapshot', 'daily', 'prune', 'verify', 'upload', 'restore', 'policy-apply'] as const;
const TIERS: readonly BackupTierName[] = ['hourly', 'daily', 'manual', 'offsite'];

/** Seconds; a BGSAVE + copy of a small dataset to a multi-GiB upload. */
export const BACKUP_DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

type SourceName = 'agents' | 'instances' | 'jobs';

export class CoordinatorMetrics {
  readonly registry: Registry;

  private readonly logger: Logger;
  private readonly sourceErrors: Counter<'source'>;
  private readonly backupBytes: Gauge<'agent' | 'instance' | 'tier'>;
  private readonly backupDuration: Histogram<'tier'>;
  private readonly jobFailures: Counter<'type'>;
  private readonly heartbeats: Counter<string>;
  private readonly rejected: Counter<'reason'>;
  private readonly duplicateSessions: Counter<'agent'>;
  private readonly rejectedReports: Counter<'kind'>;
  /** Label sets written to redback_backup_bytes, to drop those of instances that disappeared. */
  private readonly bytesSeries = new Map<string, { agent: string; instance: string; tier: string }>();
  private cache: { agents?: MetricsAgent[] | null; instances?: MetricsInstance[] | null; jobs?: Record<string, number> | null } | null = null;

  constructor(
    private readonly source: MetricsSource,
    options: CoordinatorMetricsOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    const registry = new Registry();
    this.registry = registry;
    const self = this;

    new Gauge({
      name: 'redback_agent_up',
      help: 'Whether the agent is online (1) or stale/offline (0).',
      labelNames: ['agent'],
      registers: [registry],
      collect() {
        this.reset();
        for (const a of self.read('agents') ?? []) this.set({ agent: a.agentId }, a.liveness === 'online' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'redback_agent_heartbeat_age_seconds',
      help: 'Seconds since the agent last sent a heartbeat.',
      labelNames: ['agent'],
      registers: [registry],
      collect() {
        this.reset();
        for (const a of self.read('agents') ?? []) {
          if (a.heartbeatAgeSeconds !== null && Number.isFinite(a.heartbeatAgeSeconds)) this.set({ agent: a.agentId }, a.heartbeatAgeSeconds);
        }
      },
    });
    new Gauge({
      name: 'redback_agent_backup_free_bytes',
      help: "Free bytes on the file system of the agent's backup directory.",
      labelNames: ['agent'],
      registers: [registry],
      collect() {
        this.reset();
        for (const a of self.read('agents') ?? []) {
          if (a.backupFreeBytes !== null && Number.isFinite(a.backupFreeBytes)) this.set({ agent: a.agentId }, a.backupFreeBytes);
        }
      },
    });
    new Gauge({
      name: 'redback_instance_up',
      help: 'Whether the Redis instance answered the agent at the last heartbeat (1) or not (0).',
      labelNames: ['agent', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const i of self.read('instances') ?? []) this.set({ agent: i.agentId, instance: i.instance }, i.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'redback_instance_protected',
      help: 'Whether the instance is protected (1) or not (0) as the coordinator judges it.',
      labelNames: ['agent', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const i of self.read('instances') ?? []) this.set({ agent: i.agentId, instance: i.instance }, i.protected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'redback_policy_drift',
      help: "Whether the instance's persistence settings differ from its policy (1) or match it (0).",
      labelNames: ['agent', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const i of self.read('instances') ?? []) {
          if (typeof i.policyDrift === 'boolean') this.set({ agent: i.agentId, instance: i.instance }, i.policyDrift ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'redback_archive_lag_seconds',
      help: 'Continuous AOF archiving: seconds since every AOF byte of the instance was last offsite (its offsite recovery point now).',
      labelNames: ['agent', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const i of self.read('instances') ?? []) if (i.archive) this.set({ agent: i.agentId, instance: i.instance }, i.archive.lagSeconds);
      },
    });
    new Gauge({
      name: 'redback_archive_lag_bytes',
      help: 'Continuous AOF archiving: AOF bytes written and not shipped offsite yet.',
      labelNames: ['agent', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const i of self.read('instances') ?? []) if (i.archive) this.set({ agent: i.agentId, instance: i.instance }, i.archive.lagBytes);
      },
    });
    new Gauge({
      name: 'redback_archive_gaps',
      help: 'Continuous AOF archiving: gaps in the archive (a missed rewrite, a truncated or replaced AOF, another history); nothing restores across one.',
      labelNames: ['agent', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const i of self.read('instances') ?? []) if (i.archive) this.set({ agent: i.agentId, instance: i.instance }, i.archive.gaps.length);
      },
    });
    new Gauge({
      name: 'redback_backup_last_success_timestamp_seconds',
      help: 'Unix time of the newest usable backup of the instance, per tier (offsite = newest offsite set).',
      labelNames: ['agent', 'instance', 'tier'],
      registers: [registry],
      collect() {
        this.reset();
        for (const i of self.read('instances') ?? []) {
          for (const tier of TIERS) {
            const at = i.newest[tier];
            if (at instanceof Date && Number.isFinite(at.getTime())) {
              this.set({ agent: i.agentId, instance: i.instance, tier }, at.getTime() / 1000);
            }
          }
        }
      },
    });
    this.backupBytes = new Gauge({
      name: 'redback_backup_bytes',
      help: 'Size in bytes of the last backup seen, per instance and tier.',
      labelNames: ['agent', 'instance', 'tier'],
      registers: [registry],
      collect() {
        self.dropVanishedBackupSeries();
      },
    });
    this.backupDuration = new Histogram({
      name: 'redback_backup_duration_seconds',
      help: 'How long backups took, per tier.',
      labelNames: ['tier'],
      buckets: BACKUP_DURATION_BUCKETS,
      registers: [registry],
    });
    new Gauge({
      name: 'redback_jobs',
      help: 'Jobs in the catalog, per state.',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        this.reset();
        const counts = self.read('jobs');
        if (!counts) return;
        for (const state of JOB_STATES) this.set({ state }, 0);
        for (const [state, n] of Object.entries(counts)) if (Number.isFinite(n)) this.set({ state }, n);
      },
    });
    this.jobFailures = new Counter({
      name: 'redback_job_failures_total',
      help: 'Jobs that finished failed or timed out, per job type.',
      labelNames: ['type'],
      registers: [registry],
    });
    for (const type of KNOWN_JOB_TYPES) this.jobFailures.inc({ type }, 0);
    this.heartbeats = new Counter({
      name: 'redback_heartbeats_total',
      help: 'Heartbeats received from agents.',
      registers: [registry],
    });
    this.rejected = new Counter({
      name: 'redback_rejected_calls_total',
      help: 'gRPC calls refused (authentication, authorization, validation), per reason.',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.rejectedReports = new Counter({
      name: 'redback_agent_reports_rejected_total',
      help: 'Copies and heartbeat entries agents reported that failed validation (not stored), per kind.',
      labelNames: ['kind'],
      registers: [registry],
    });
    for (const kind of ['copy', 'heartbeat'] as const) this.rejectedReports.inc({ kind }, 0);
    this.duplicateSessions = new Counter({
      name: 'redback_agent_duplicate_sessions_total',
      help: 'Second sessions refused for an agent id that was connected (two agents sharing one id).',
      labelNames: ['agent'],
      registers: [registry],
    });
    this.sourceErrors = new Counter({
      name: 'redback_metrics_source_errors_total',
      help: 'Scrapes that could not read coordinator state (their gauges were left empty), per source.',
      labelNames: ['source'],
      registers: [registry],
    });
    for (const source of ['agents', 'instances', 'jobs'] as const) this.sourceErrors.inc({ source }, 0);

    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: PROCESS_METRIC_PREFIX });
  }

  observeBackup(e: BackupObservation): void {
    const labels = { agent: e.agentId, instance: e.instance, tier: e.tier };
    if (Number.isFinite(e.bytes) && e.bytes >= 0) {
      this.backupBytes.set(labels, e.bytes);
      this.bytesSeries.set(seriesKey(labels), labels);
    }
    if (e.durationSeconds !== null && Number.isFinite(e.durationSeconds) && e.durationSeconds >= 0) {
      this.backupDuration.observe({ tier: e.tier }, e.durationSeconds);
    }
  }

  jobFinished(e: { type: string; state: FinishedJobState }): void {
    // inc(0) makes the series exist, so a later first failure shows up in increase().
    this.jobFailures.inc({ type: e.type }, e.state === 'failed' || e.state === 'timed-out' ? 1 : 0);
  }

  heartbeatReceived(): void {
    this.heartbeats.inc();
  }

  rejectedReport(kind: 'copy' | 'heartbeat', n: number): void {
    this.rejectedReports.inc({ kind }, n);
  }

  duplicateSession(agentId: string): void {
    this.duplicateSessions.inc({ agent: agentId });
  }

  rejectedCall(reason: string): void {
    this.rejected.inc({ reason });
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return METRICS_CONTENT_TYPE;
  }

  /**
   * Reads the source once per scrape: prom-client runs every synchronous collect() in one pass, so
   * the values are kept until the next microtask. A source that throws leaves its gauges empty and
   * counts redback_metrics_source_errors_total (a scrape never fails because the catalog did).
   */
  private read(name: 'agents'): MetricsAgent[] | null;
  private read(name: 'instances'): MetricsInstance[] | null;
  private read(name: 'jobs'): Record<string, number> | null;
  private read(name: SourceName): MetricsAgent[] | MetricsInstance[] | Record<string, number> | null {
    if (this.cache === null) {
      this.cache = {};
      queueMicrotask(() => {
        this.cache = null;
      });
    }
    const cache = this.cache;
    if (cache[name] === undefined) {
      try {
        if (name === 'agents') cache.agents = this.source.agents();
        else if (name === 'instances') cache.instances = this.source.instances();
        else cache.jobs = this.source.jobsByState();
      } catch (err) {
        this.logger.warn({ err, source: name }, 'metrics: could not read coordinator state');
        this.sourceErrors.inc({ source: name });
        cache[name] = null;
      }
    }
    return cache[name] ?? null;
  }

  private dropVanishedBackupSeries(): void {
    const instances = this.read('instances');
    if (!instances) return; // unknown: keep everything
    const present = new Set(instances.map((i) => `${i.agentId}\u0000${i.instance}`));
    for (const [key, labels] of this.bytesSeries) {
      if (!present.has(`${labels.agent}\u0000${labels.instance}`)) {
        this.backupBytes.remove(labels);
        this.bytesSeries.delete(key);
      }
    }
  }
}

function seriesKey(l: { agent: string; instance: string; tier: string }): string {
  return `${l.agent}\u0000${l.instance}\u0000${l.tier}`;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Splits `host:port` / `[v6]:port`. */
export function parseListenAddress(listen: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(listen.trim());
  if (!match) throw new Error(`invalid metrics listen address "${listen}" (use HOST:PORT)`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`invalid metrics port in "${listen}"`);
  return { host: (match[1] ?? match[2])!, port };
}

/**
 * Serves GET /metrics (Prometheus text 0.0.4) and GET /healthz ('ok'); everything else is 404
 * (405 for other methods on those two paths). Port 0 picks a free port.
 */
export function startMetricsServer(metrics: CoordinatorMetrics, listen: string): Promise<MetricsServer> {
  const { host, port } = parseListenAddress(listen);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void handle(metrics, req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return new Promise<MetricsServer>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address() as AddressInfo;
      let closing: Promise<void> | null = null;
      resolve({
        port: address.port,
        close: () => {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          });
          return closing;
        },
      });
    });
  });
}

async function handle(metrics: CoordinatorMetrics, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let path = '/';
  try {
    path = new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    path = '';
  }
  const method = req.method ?? 'GET';
  const known = path === '/metrics' || path === '/healthz';
  if (!known) return send(res, 404, 'not found\n');
  if (method !== 'GET' && method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'method not allowed\n');
  }
  if (path === '/healthz') return send(res, 200, 'ok', method === 'HEAD');
  try {
    const body = await metrics.text();
    send(res, 200, body, method === 'HEAD', METRICS_CONTENT_TYPE);
  } catch (err) {
    send(res, 500, `metrics unavailable: ${(err as Error).message}\n`);
  }
}

function send(res: ServerResponse, status: number, body: string, headOnly = false, contentType = 'text/plain; charset=utf-8'): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(headOnly ? undefined : body);
}
