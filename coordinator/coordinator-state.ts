import type { CoordinatorConfig } from '../shared/config/coordinator-config.js';
import type { Logger } from '../shared/log/logger.js';
import type { Catalog } from './catalog/index.js';
import type { HeartbeatBuffer } from './fleet/heartbeat-buffer.js';
import type { LivenessSettings } from './fleet/liveness.js';
import type { SessionRegistry } from './fleet/session-registry.js';
import type { JobManager } from './jobs/job-manager.js';
import type { CoordinatorMetrics } from './metrics/metrics.js';
import type { PersistenceReports } from './policy/persistence-reports.js';
import type { ArchiveReports } from './archive/archive-reports.js';
import type { Authenticator } from './rpc/auth.js';
import type { OffsiteService } from './offsite/offsite-service.js';
import type { SchedulePusher } from './scheduler/schedule-pusher.js';
import type { TransferRelay } from './transfer/transfer-relay.js';
import type { DrillService } from './drills/drill-service.js';

/** Everything the coordinator's handlers work with; built once by Coordinator.start(). */
export interface CoordinatorState {
  config: CoordinatorConfig;
  logger: Logger;
  catalog: Catalog;
  sessions: SessionRegistry;
  jobs: JobManager;
  schedules: SchedulePusher;
  heartbeats: HeartbeatBuffer;
  auth: Authenticator;
  metrics: CoordinatorMetrics | null;
  liveness: LivenessSettings;
  /** Persistence settings the agents report (compared with config.policies). */
  persistence: PersistenceReports;
  /** Continuous AOF archive health the agents report (lag, coverage per epoch, gaps). */
  archives: ArchiveReports;
  /** Null when the config has no offsite block. */
  offsite: OffsiteService | null;
  /** Copies moving between agents (TransferService). */
  transfers: TransferRelay;
  /** Restore drills: triggering them and recording their outcome. */
  drills: DrillService;
}
