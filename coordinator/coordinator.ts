import * as grpc from '@grpc/grpc-js';
import type { CoordinatorConfig } from '../shared/config/coordinator-config.js';
import { RedbackError } from '../shared/errors/index.js';
import type { Logger } from '../shared/log/logger.js';
import { loadProtos } from '../shared/proto/load.js';
import { channelOptions, serverCredentials, serverWindow, TRANSFER_WINDOW_BYTES } from '../shared/rpc/credentials.js';
import { Catalog } from './catalog/index.js';
import type { CoordinatorState } from './coordinator-state.js';
import { HeartbeatBuffer } from './fleet/heartbeat-buffer.js';
import { SessionRegistry } from './fleet/session-registry.js';
import { JobManager } from './jobs/job-manager.js';
import { PersistenceReports } from './policy/persistence-reports.js';
import { ArchiveReports } from './archive/archive-reports.js';
import { policyFor } from '../shared/policy/persistence-policy.js';
import { policyViews } from './policy/policy-views.js';
import { CoordinatorMetrics, startMetricsServer } from './metrics/metrics.js';
import { OffsiteMetrics } from './metrics/offsite-metrics.js';
import { OffsiteService } from './offsite/offsite-service.js';
import { sessionHandler } from './rpc/agent-service.js';
import { Authenticator } from './rpc/auth.js';
import { controlHandlers } from './rpc/control-service.js';
import { transferHandlers } from './rpc/transfer-service.js';
import { TransferRelay } from './transfer/transfer-relay.js';
import { SchedulePusher } from './scheduler/schedule-pusher.js';
import { agentViews, instanceViews } from './status/fleet-status.js';
import { DrillService } from './drills/drill-service.js';
import { DrillMetrics } from './metrics/drill-metrics.js';
import { DrillScheduler } from './scheduler/drill-scheduler.js';

/**
 * The coordinator process: a gRPC server (agents' sessions and the operators' control service),
 * the catalog, the fleet schedule, jobs, and the metrics endpoint.
 * 1. open the catalog (migrations) and mark every agent disconnected (sessions died with the last process);
 * 2. build the domain objects; 3. bind the gRPC server; 4. start metrics and the timers.
 * `stop()` closes in the reverse order and flushes buffered heartbeats.
 */
export class Coordinator {
  private constructor(
    readonly state: CoordinatorState,
    private readonly server: grpc.Server,
    readonly port: number,
    readonly metricsPort: number | null,
    private readonly closeMetrics: (() => Promise<void>) | null,
    private readonly drillScheduler: DrillScheduler | null,
  ) {}

  static async start(config: CoordinatorConfig, logger: Logger): Promise<Coordinator> {
    const catalog = Catalog.open(config.catalog);
    catalog.markAllDisconnected();
    const sessions = new SessionRegistry();
    const liveness = {
      intervalMs: config.heartbeat.interval,
      staleAfterMissed: config.heartbeat.staleAfterMissed,
      offlineAfterMs: config.heartbeat.offlineAfter,
    };
    // The metrics read live state through `state`, which is complete before the first scrape.
    const state = { config, logger, catalog, sessions, liveness, persistence: new PersistenceReports(), archives: new ArchiveReports() } as CoordinatorState;
    const metrics = config.metrics
      ? new CoordinatorMetrics({
          agents: () =>
            agentViews(state).map((a) => ({ agentId: a.agentId, liveness: a.liveness, heartbeatAgeSeconds: a.heartbeatAgeSeconds, backupFreeBytes: a.backupFreeBytes })),
          instances: () => {
            const views = instanceViews(state);
            const drift = new Map(
              policyViews(config.policies, state.persistence, views.map((i) => ({ agentId: i.record.agentId, name: i.record.name }))).map((v) => [`${v.agentId}/${v.instance}`, v.drift]),
            );
            return views.map((i) => ({
              agentId: i.record.agentId,
              instance: i.record.name,
              up: i.record.up === true,
              protected: i.protected,
              policyDrift: drift.get(`${i.record.agentId}/${i.record.name}`) ?? null,
              archive: state.archives.get(i.record.agentId, i.record.name),
              newest: {
                ...(i.record.newestHourlyAt ? { hourly: i.record.newestHourlyAt } : {}),
                ...(i.record.newestDailyAt ? { daily: i.record.newestDailyAt } : {}),
                ...(i.record.newestManualAt ? { manual: i.record.newestManualAt } : {}),
                ...((i.newestOffsiteAt ?? i.record.newestOffsiteAt) ? { offsite: (i.newestOffsiteAt ?? i.record.newestOffsiteAt)! } : {}),
              },
            }));
          },
          jobsByState: () => catalog.catalogStats().jobs,
        })
      : null;
    state.metrics = metrics;
    state.auth = new Authenticator(config.auth, (reason, peer, detail) => {
      logger.warn({ reason, peer, detail }, 'rejected call');
      metrics?.rejectedCall(reason);
    });
    state.heartbeats = new HeartbeatBuffer(catalog, logger);
    state.jobs = new JobManager(catalog, sessions, logger, config.jobs.defaultTimeout, (job) => {
      if (job.state !== 'succeeded') metrics?.jobFinished({ type: job.type, state: job.state as 'failed' | 'cancelled' | 'timed-out' });
      else metrics?.jobFinished({ type: job.type, state: 'succeeded' });
      state.offsite?.uploads.jobFinished(job);
      state.drills.jobFinished(job);
    });
    state.drills = new DrillService({ catalog, jobs: state.jobs, logger: logger.child({ part: 'drills' }) });
    const drillScheduler = config.drills ? new DrillScheduler({ catalog, drills: state.drills, logger: logger.child({ part: 'drills' }), config: config.drills }) : null;
    if (metrics) {
      new DrillMetrics(metrics.registry, {
        lastSuccess: () => [...catalog.drills.lastSuccess().values()].map((d) => ({ agentId: d.agentId, instance: d.instance, finishedAt: d.finishedAt, rtoMs: d.rtoMs })),
        windows: () =>
          drillScheduler
            ? catalog
                .listInstances()
                .filter((i) => i.removedAt === null && drillScheduler.inScope(i.agentId, i.name))
                .map((i) => ({ agentId: i.agentId, instance: i.name, windowMs: config.drills!.window }))
            : [],
      });
    }
    const offsiteMetrics = metrics
      ? new OffsiteMetrics(metrics.registry, {
          newestSets: () => catalog.offsite.newestSets(),
        })
      : null;
    state.offsite = config.offsite ? new OffsiteService({ catalog, jobs: state.jobs, sessions, logger: logger.child({ part: 'offsite' }), metrics: offsiteMetrics }, config.offsite) : null;
    state.schedules = new SchedulePusher(catalog, sessions, config.schedules, logger, 1000, (agentId, instance) => policyFor(config.policies, agentId, instance).policy.archive === true);
    state.schedules.init();
    state.transfers = new TransferRelay(logger.child({ part: 'transfer' }), { isConnected: (agentId) => sessions.get(agentId) !== undefined });

    const { agent, control, transfer } = loadProtos();
    const server = new grpc.Server(channelOptions(config.limits.maxMessageBytes));
    server.addService(agent.redback.v1.AgentService.service, { Session: sessionHandler(state) });
    server.addService(control.redback.v1.ControlService.service, controlHandlers(state));
    server.addService(transfer.redback.v1.TransferService.service, transferHandlers(state));
    // Copy uploads arrive in 1 MiB chunks: receive them with a window of a few chunks, not 64 KiB.
    serverWindow.beforeBind(server, TRANSFER_WINDOW_BYTES);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(config.listen, serverCredentials(config.tls), (err, bound) => {
        if (err) {
          reject(
            new RedbackError('CONFIG_INVALID', `cannot listen on ${config.listen}: ${err.message}`, {
              hint: 'is another coordinator running, or is the address wrong?',
            }),
          );
        } else resolve(bound);
      }),
    );
    serverWindow.afterBind(server, TRANSFER_WINDOW_BYTES);

    let metricsPort: number | null = null;
    let closeMetrics: (() => Promise<void>) | null = null;
    if (metrics && config.metrics) {
      const started = await startMetricsServer(metrics, config.metrics.listen);
      metricsPort = started.port;
      closeMetrics = started.close;
    }
    state.heartbeats.start();
    state.jobs.start();
    state.offsite?.start();
    drillScheduler?.start();
    logger.info({ listen: config.listen, port, metricsPort, tls: config.tls ? (config.tls.requireClientCert ? 'mutual' : 'server') : 'off' }, 'coordinator started');
    return new Coordinator(state, server, port, metricsPort, closeMetrics, drillScheduler);
  }

  async stop(): Promise<void> {
    const { state } = this;
    state.offsite?.stop();
    this.drillScheduler?.stop();
    state.jobs.stop();
    state.schedules.stop();
    state.transfers.stop();
    for (const session of state.sessions.all()) session.close('coordinator shutting down');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 5000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await this.closeMetrics?.();
    state.heartbeats.stop();
    state.catalog.close();
    state.logger.info('coordinator stopped');
  }
}
