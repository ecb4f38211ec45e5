import { Gauge, type Registry } from 'prom-client';

export interface DrillMetricsSource {
  /** Newest successful drill of each instance: when it finished and its recovery time. */
  lastSuccess(): Array<{ agentId: string; instance: string; finishedAt: Date; rtoMs: number | null }>;
  /** Instances the drill schedule covers, with the configured window (none without a `drills:` block). */
  windows(): Array<{ agentId: string; instance: string; windowMs: number }>;
}

/**
 * Restore drill metrics, on the coordinator's registry (names are a contract: alerts.yml uses them):
 *   redback_drill_last_success_timestamp_seconds{agent,instance}  end of the newest successful drill
 *   redback_drill_duration_seconds{agent,instance}                its recovery time (RTO)
 *   redback_drill_window_seconds{agent,instance}                  drills.window for scheduled instances
 */
export class DrillMetrics {
  constructor(registry: Registry, source: DrillMetricsSource) {
    let cache: ReturnType<DrillMetricsSource['lastSuccess']> | null = null;
    const read = () => {
      if (!cache) {
        try {
          cache = source.lastSuccess();
        } catch {
          cache = [];
        }
        queueMicrotask(() => (cache = null));
      }
      return cache;
    };
    new Gauge({
      name: 'redback_drill_last_success_timestamp_seconds',
      help: 'Unix time the newest successful restore drill of the instance finished.',
      labelNames: ['agent', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const d of read()) this.set({ agent: d.agentId, instance: d.instance }, d.finishedAt.getTime() / 1000);
      },
    });
    new Gauge({
      name: 'redback_drill_duration_seconds',
      help: 'Recovery time (RTO) the newest successful restore drill of the instance measured: start to verified data served.',
      labelNames: ['agent', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        for (const d of read()) if (d.rtoMs !== null) this.set({ agent: d.agentId, instance: d.instance }, d.rtoMs / 1000);
      },
    });
    new Gauge({
      name: 'redback_drill_window_seconds',
      help: 'How long the instance may go without a successful restore drill (drills.window; scheduled instances only).',
      labelNames: ['agent', 'instance'],
      registers: [registry],
      collect() {
        this.reset();
        let windows: ReturnType<DrillMetricsSource['windows']> = [];
        try {
          windows = source.windows();
        } catch {
          windows = [];
        }
        for (const w of windows) this.set({ agent: w.agentId, instance: w.instance }, w.windowMs / 1000);
      },
    });
  }
}
