import type { OffsiteFleetConfig } from '../../shared/config/offsite-fleet-schema.js';
import type { Logger } from '../../shared/log/logger.js';
import type { SetManifest } from '../../shared/offsite/set-manifest.js';
import type { Catalog, SetLocation } from '../catalog/index.js';
import type { SessionRegistry } from '../fleet/session-registry.js';
import type { JobManager } from '../jobs/job-manager.js';
import type { OffsiteMetrics } from '../metrics/offsite-metrics.js';
import { rebuildCatalog, type RebuildOutcome } from './catalog-rebuild.js';
import { OffsiteUploads } from './offsite-uploads.js';
import { pruneOffsite, type PruneOutcome } from './offsite-prune.js';
import { manifestKeyOf, type OffsiteStore } from './offsite-store.js';
import { verifyOffsite, type SetOutcome, type VerifyRequest } from './offsite-verify.js';
import { describeTarget, openStore } from './open-store.js';

export interface OffsiteServiceDeps {
  catalog: Catalog;
  jobs: JobManager;
  sessions: SessionRegistry;
  logger: Logger;
  metrics: OffsiteMetrics | null;
}

/**
 * The coordinator's offsite side (issue 8): hands the target to agents, drives the uploads,
 * records sets, and verifies, prunes and rebuilds from the store. Uploads' bytes go from the
 * agents to the store; the coordinator only reads the store (and deletes for retention).
 */
export class OffsiteService {
  readonly uploads: OffsiteUploads;
  readonly target: OffsiteFleetConfig;
  /** The target part of the config, as sent to agents. */
  readonly targetJson: string;
  private storePromise: Promise<OffsiteStore> | null = null;
  private pruning: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly d: OffsiteServiceDeps,
    readonly config: OffsiteFleetConfig,
  ) {
    this.target = config;
    this.targetJson = JSON.stringify(config.agentPart);
    this.uploads = new OffsiteUploads({
      catalog: d.catalog,
      jobs: d.jobs,
      sessions: d.sessions,
      logger: d.logger,
      config,
      metrics: d.metrics,
      locate: (m) => this.locate(m),
      onSetRecorded: (m) => {
        if (config.pruneAfterUpload) this.pruneAfterUpload(m);
      },
    });
  }

  get prefix(): string {
    return this.target.prefix;
  }

  describe(): string {
    return describeTarget(this.target).label;
  }

  store(): Promise<OffsiteStore> {
    this.storePromise ??= openStore(this.target, this.d.logger).catch((err) => {
      this.storePromise = null;
      throw err;
    });
    return this.storePromise;
  }

  locate(manifest: SetManifest): SetLocation {
    return {
      bucket: describeTarget(this.target).bucket,
      prefix: this.prefix,
      manifestKey: manifestKeyOf({ prefix: this.prefix, agentId: manifest.agentId, instance: manifest.instance }, manifest.setId),
    };
  }

  start(tickMs?: number): void {
    this.uploads.start(tickMs);
  }

  stop(): void {
    this.uploads.stop();
  }

  async verify(req: VerifyRequest, onEvent: Parameters<typeof verifyOffsite>[2]): Promise<SetOutcome[]> {
    return verifyOffsite(
      { catalog: this.d.catalog, store: await this.store(), prefix: this.prefix, encryption: this.target.encryption, logger: this.d.logger, metrics: this.d.metrics },
      req,
      onEvent,
    );
  }

  async prune(dryRun: boolean, only?: { agentId?: string; instance?: string }): Promise<PruneOutcome> {
    const run = async () =>
      pruneOffsite(
        {
          catalog: this.d.catalog,
          store: await this.store(),
          prefix: this.prefix,
          policy: { days: this.config.retention.keep / 86_400_000, weekly: this.config.retention.weekly, monthly: this.config.retention.monthly },
          incompleteAfterMs: this.config.retention.abortIncompleteAfter,
          logger: this.d.logger,
          objectLock: 'objectLock' in this.config ? this.config.objectLock : undefined,
        },
        { dryRun, ...(only ? { only } : {}) },
      );
    // One prune at a time (an operator's and the one after an upload never interleave).
    const next = this.pruning.then(run, run);
    this.pruning = next.catch(() => undefined);
    return next;
  }

  private pruneAfterUpload(m: SetManifest): void {
    this.prune(false, { agentId: m.agentId, instance: m.instance }).then(
      (out) => {
        if (out.deletedSets) this.d.logger.info({ agent: m.agentId, instance: m.instance, deleted: out.deletedSets }, 'offsite retention after upload');
      },
      (err: Error) => this.d.logger.warn({ agent: m.agentId, instance: m.instance, err: err.message }, 'offsite retention after upload failed'),
    );
  }

  async rebuild(dryRun: boolean): Promise<RebuildOutcome> {
    return rebuildCatalog({ catalog: this.d.catalog, store: await this.store(), prefix: this.prefix, sessions: this.d.sessions, locate: (m) => this.locate(m), logger: this.d.logger }, dryRun);
  }
}
