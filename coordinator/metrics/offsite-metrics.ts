import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BACKUP_DURATION_BUCKETS } from './metrics.js';

export interface OffsiteMetricsSource {
  /** Newest complete set of each instance: when, and its stored bytes. */
  newestSets(): Array<{ agentId: string; instance: string; createdAt: Date; storedBytes: number }>;
}

/**
 * Offsite metrics, on the coordinator's registry (names are a contract: alerts.yml uses them):
 *   redback_offsite_last_success_timestamp_seconds{agent,instance}  newest complete set
 *   redback_offsite_set_bytes{agent,instance}                       its stored size
 *   redback_offsite_upload_duration_seconds                         histogram of upload jobs
 *   redback_offsite_verify_failures_total{agent,instance}           sets that failed a verify
 */
export class OffsiteMetrics {
  private readonly uploadDuration: Histogram<string>;
  private readonly verifyFailures: Counter<'agent' | 'instance'>;

  constructor(registry: Registry, source: OffsiteMetricsSource) {
    let cache: ReturnType<OffsiteMetricsSource['newestSets']> | null = null;
    const read = () => {
      if (!cache) {
        try {
          cache = source.newestSets();
        } catch {
          cache = [];
        }
        queueMicrotask(() => (cache = null));
      }
      return cache;
    };
    new Gauge({
      name: 'redback_offsite_last_success_timestamp_seconds',
      help: 'Unix time of the newest complete offsite set of the instance.',
      labelNames: ['agent', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of read()) this.set({ agent: s.agentId, instance: s.instance }, s.createdAt.getTime() / 1000);
      },
    });
    new Gauge({
      name: 'redback_offsite_set_bytes',
      help: 'Stored bytes of the newest complete offsite set of the instance.',
      labelNames: ['agent', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of read()) this.set({ agent: s.agentId, instance: s.instance }, s.storedBytes);
      },
    });
    this.uploadDuration = new Histogram({
      name: 'redback_offsite_upload_duration_seconds',
      help: 'How long successful offsite uploads took (agent-side time).',
      buckets: BACKUP_DURATION_BUCKETS,
      registers: [registry],
    });
    this.verifyFailures = new Counter({
      name: 'redback_offsite_verify_failures_total',
      help: 'Offsite sets that failed a verify, per instance.',
      labelNames: ['agent', 'instance'],
      registers: [registry],
    });
  }

  uploadFinished(seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.uploadDuration.observe(seconds);
  }

  verifyFailed(agentId: string, instance: string): void {
    this.verifyFailures.inc({ agent: agentId, instance });
  }
}
