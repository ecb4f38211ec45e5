import type { Catalog, HeartbeatInput } from '../catalog/index.js';
import type { Logger } from '../../shared/log/logger.js';

/**
 * Heartbeats are kept in memory and written to the catalog in one transaction per flush (about
 * once a second), so thousands of agents cost one write, not thousands. The newest heartbeat of an
 * agent replaces an unflushed older one.
 */
export class HeartbeatBuffer {
  private pending = new Map<string, HeartbeatInput>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly catalog: Catalog,
    private readonly logger: Logger,
    private readonly flushEveryMs = 1000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.flush(), this.flushEveryMs);
    this.timer.unref();
  }

  add(heartbeat: HeartbeatInput): void {
    this.pending.set(heartbeat.agentId, heartbeat);
  }

  flush(): void {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      this.catalog.recordHeartbeats(batch);
    } catch (err) {
      this.logger.error({ err: (err as Error).message, agents: batch.length }, 'heartbeat flush failed');
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush();
  }
}
