import type { AgentContext } from '../agent-context.js';
import { openOffsiteIfConfigured } from '../offsite/offsite-session.js';
import { saveArchiveStatus } from './archive-state.js';
import { archiveSettings, createArchiver } from './archive-session.js';
import type { Archiver } from './archiver.js';

/**
 * Runs one Archiver per instance whose config (or the coordinator's policy) asks for continuous
 * archiving; `reconcile()` after a config or schedule change starts and stops them to match.
 */
export class ArchiveSupervisor {
  private readonly running = new Map<string, { archiver: Archiver; intervalMs: number }>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: AgentContext) {}

  reconcile(): Promise<void> {
    this.queue = this.queue.then(() => this.doReconcile()).catch((err) => this.ctx.logger.error({ err: (err as Error).message }, 'AOF archiving could not start'));
    return this.queue;
  }

  private async doReconcile(): Promise<void> {
    const wanted = new Map(this.ctx.config.instances.map((i) => [i.name, { instance: i, ...archiveSettings(this.ctx, i) }] as const));
    for (const [name, run] of [...this.running]) {
      const w = wanted.get(name);
      if (!w?.enabled || w.intervalMs !== run.intervalMs) {
        await run.archiver.stop();
        this.running.delete(name);
        this.ctx.logger.info({ instance: name }, 'AOF archiving stopped');
      }
    }
    const todo = [...wanted.values()].filter((w) => w.enabled && !this.running.has(w.instance.name));
    if (todo.length === 0) return;
    const access = await openOffsiteIfConfigured(this.ctx);
    for (const w of todo) {
      if (!access) {
        await saveArchiveStatus(this.ctx.layout, {
          instance: w.instance.name, enabled: true, state: 'error', checkedAt: this.ctx.clock.now().toISOString(), lagBytes: 0, lagSeconds: 0, caughtUpAt: null,
          intervalMs: w.intervalMs, epoch: null, shippedBytes: 0, uploadedBytes: 0, segments: 0, coverage: [], gaps: [],
          error: { code: 'NOT_FOUND', message: 'continuous archiving is on but no offsite target is configured', hint: 'add an offsite: block to the agent config (or to the coordinator config)' },
        });
        this.ctx.logger.error({ instance: w.instance.name }, 'continuous archiving is on but no offsite target is configured');
        continue;
      }
      const archiver = await createArchiver(this.ctx, w.instance, access, w.intervalMs);
      archiver.start();
      this.running.set(w.instance.name, { archiver, intervalMs: w.intervalMs });
      this.ctx.logger.info({ instance: w.instance.name, intervalMs: w.intervalMs }, 'AOF archiving started');
    }
  }

  async stop(): Promise<void> {
    await this.queue;
    await Promise.all([...this.running.values()].map((r) => r.archiver.stop()));
    this.running.clear();
  }
}
