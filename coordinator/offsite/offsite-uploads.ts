import cron, { type ScheduledTask } from 'node-cron';
import { RedbackError } from '../../shared/errors/index.js';
import type { OffsiteFleetConfig } from '../../shared/config/offsite-fleet-schema.js';
import type { Logger } from '../../shared/log/logger.js';
import { parseSetManifest, type SetManifest } from '../../shared/offsite/set-manifest.js';
import type { Catalog, JobRecord, SetLocation } from '../catalog/index.js';
import type { SessionRegistry } from '../fleet/session-registry.js';
import type { JobManager } from '../jobs/job-manager.js';
import type { OffsiteMetrics } from '../metrics/offsite-metrics.js';
import { catchUpDue, instanceKeyOf, nightlyDue, pickUploads, type DueUpload, type UploadReason } from './upload-plan.js';

export interface OffsiteUploadsDeps {
  catalog: Catalog;
  jobs: JobManager;
  sessions: SessionRegistry;
  logger: Logger;
  config: OffsiteFleetConfig;
  /** Where a set's manifest lives in the target (for the catalog row). */
  locate(manifest: SetManifest): SetLocation;
  metrics: OffsiteMetrics | null;
  /** Called after a set was recorded (retention of that instance). */
  onSetRecorded?(manifest: SetManifest): void;
}

/**
 * The fleet's offsite uploads: the nightly round (cron + stagger), catch-up of instances without a
 * recent complete set, the caps (fleet-wide and one per agent host), operator-triggered uploads,
 * and recording each finished upload's set in the catalog. The plan itself is upload-plan.ts.
 */
export class OffsiteUploads {
  private readonly due = new Map<string, DueUpload>();
  /** instance key -> running upload job. */
  private readonly running = new Map<string, { jobId: string; agentId: string }>();
  private readonly lastAttempt = new Map<string, Date>();
  private task: ScheduledTask | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly d: OffsiteUploadsDeps) {}

  start(tickMs = 1000): void {
    // Uploads still open in the catalog (a coordinator restart) count against the caps.
    this.d.jobs.settle();
    for (const state of ['queued', 'sent', 'running'] as const) {
      for (const job of this.d.catalog.listJobs({ state, limit: 10_000 })) {
        if (job.type === 'upload') this.running.set(instanceKeyOf({ agentId: job.agentId, instance: job.instance }), { jobId: job.jobId, agentId: job.agentId });
      }
    }
    this.task = cron.schedule(this.d.config.schedule, () => this.fire(new Date()), { timezone: this.d.config.timezone, name: 'offsite-nightly' });
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    void this.task?.destroy();
    this.task = null;
  }

  /** The nightly cron fired: every instance becomes due at its staggered time. */
  fire(at: Date): void {
    const instances = this.d.catalog.listInstanceKeys().map((i) => ({ agentId: i.agentId, instance: i.name }));
    let added = 0;
    for (const d of nightlyDue(at, instances, this.d.config.stagger)) {
      const key = instanceKeyOf(d);
      if (this.due.has(key) || this.running.has(key)) continue;
      this.due.set(key, d);
      added++;
    }
    this.d.logger.info({ instances: added, staggerMs: this.d.config.stagger }, 'nightly offsite round scheduled');
  }

  /** Adds catch-up work and starts what the caps allow. */
  tick(now = new Date()): JobRecord[] {
    try {
      if (this.d.config.catchUpAfter !== null) {
        const newest = this.d.catalog.offsite.newestComplete();
        const facts = this.d.catalog
          .listInstanceKeys()
          .filter((i) => this.d.sessions.get(i.agentId))
          .map((i) => {
            const key = `${i.agentId}/${i.name}`;
            return { agentId: i.agentId, instance: i.name, newestCompleteAt: newest.get(key) ?? null, lastAttemptAt: this.lastAttempt.get(key) ?? null };
          })
          .filter((f) => !this.due.has(instanceKeyOf(f)) && !this.running.has(instanceKeyOf(f)));
        for (const d of catchUpDue(now, facts, this.d.config.catchUpAfter, this.d.config.retryAfter)) this.due.set(instanceKeyOf(d), d);
      }
      const picked = pickUploads(now, [...this.due.values()], {
        running: new Set(this.running.keys()),
        busyAgents: new Set([...this.running.values()].map((r) => r.agentId)),
        connected: (agentId) => this.d.sessions.get(agentId) !== undefined,
        maxConcurrent: this.d.config.maxConcurrentUploads,
      });
      return picked.map((p) => this.start1(p.agentId, p.instance, p.reason));
    } catch (err) {
      this.d.logger.error({ err: (err as Error).message }, 'offsite upload tick failed');
      return [];
    }
  }

  /** An upload now (operator): one per instance at a time; the fleet cap does not hold it back. */
  trigger(agentId: string, instance: string, timeoutMs?: number): JobRecord {
    const key = instanceKeyOf({ agentId, instance });
    const open = this.running.get(key);
    if (open) {
      throw new RedbackError('LOCKED', `an upload of ${key} is already running (job ${open.jobId})`, { hint: `follow it with: redback jobs --instance ${instance}` });
    }
    return this.start1(agentId, instance, 'operator', timeoutMs);
  }

  /**
   * Every instance now (operator, `--all`): each becomes due at once and starts as the caps allow
   * (fleet-wide and one per agent host). Returns the jobs started right away.
   */
  triggerAll(now = new Date()): { started: JobRecord[]; queued: number } {
    for (const i of this.d.catalog.listInstanceKeys()) {
      const key = instanceKeyOf({ agentId: i.agentId, instance: i.name });
      if (!this.running.has(key)) this.due.set(key, { agentId: i.agentId, instance: i.name, dueAt: now, reason: 'operator' });
    }
    const started = this.tick(now);
    return { started, queued: this.due.size };
  }

  private start1(agentId: string, instance: string, reason: UploadReason, timeoutMs?: number): JobRecord {
    const key = instanceKeyOf({ agentId, instance });
    this.due.delete(key);
    this.lastAttempt.set(key, new Date());
    const job = this.d.jobs.create({ type: 'upload', agentId, instance, args: { reason }, timeoutMs: timeoutMs ?? this.d.config.uploadTimeout });
    this.running.set(key, { jobId: job.jobId, agentId });
    this.d.logger.info({ agent: agentId, instance, reason, jobId: job.jobId }, 'offsite upload started');
    return job;
  }

  /** A job ended: free its slot; a succeeded upload's set goes into the catalog. */
  jobFinished(job: JobRecord): void {
    if (job.type !== 'upload') return;
    const key = instanceKeyOf({ agentId: job.agentId, instance: job.instance });
    if (this.running.get(key)?.jobId === job.jobId) this.running.delete(key);
    if (job.state !== 'succeeded') {
      this.d.logger.warn({ agent: job.agentId, instance: job.instance, jobId: job.jobId, state: job.state, err: job.errorMessage }, 'offsite upload did not succeed');
      return;
    }
    try {
      const result = JSON.parse(job.resultJson ?? '{}') as { manifest?: unknown; ms?: number };
      const parsed = parseSetManifest(JSON.stringify(result.manifest ?? null));
      if (!parsed.ok) throw new Error(`the upload's set manifest is invalid: ${parsed.reason}`);
      const manifest = parsed.manifest;
      if (manifest.agentId !== job.agentId || manifest.instance !== job.instance) throw new Error(`the set manifest names ${manifest.agentId}/${manifest.instance}`);
      this.d.catalog.offsite.record(manifest, this.d.locate(manifest));
      if (typeof result.ms === 'number') this.d.metrics?.uploadFinished(result.ms / 1000);
      this.d.logger.info({ agent: job.agentId, instance: job.instance, set: manifest.setId, objects: manifest.objects.length }, 'offsite set recorded');
      this.d.onSetRecorded?.(manifest);
    } catch (err) {
      this.d.logger.error({ jobId: job.jobId, err: (err as Error).message }, 'could not record the uploaded set; `redback catalog rebuild` will find it');
    }
  }

  /** Instance keys due or running (for status and tests). */
  pending(): { due: string[]; running: string[] } {
    return { due: [...this.due.keys()], running: [...this.running.keys()] };
  }
}
