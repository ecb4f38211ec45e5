/** What an agent last reported about one instance's continuous AOF archive (heartbeat field 60). */
export interface ArchiveReport {
  state: string;
  /** Seconds since every AOF byte was last offsite. */
  lagSeconds: number;
  lagBytes: number;
  epoch: string | null;
  /** Per epoch, Unix seconds (null = none yet): any second in [fromTs, toTs] can be restored. */
  coverage: Array<{ epoch: string; fromTs: number | null; toTs: number | null; closed: boolean; closedReason: string | null }>;
  gaps: Array<{ afterEpoch: string; beforeEpoch: string | null; fromTs: number | null; toTs: number | null; reason: string; detail: string; detectedAt: string }>;
  error: string | null;
  intervalMs: number;
  shippedBytes: number;
  uploadedBytes: number;
  reportedAt: Date;
}

const MAX_EPOCHS = 1000;

/**
 * The newest archive report per instance, from heartbeats, in memory like persistence reports:
 * every connected agent reports it again within one heartbeat interval.
 */
export class ArchiveReports {
  private readonly reports = new Map<string, ArchiveReport>();

  record(agentId: string, instance: string, report: ArchiveReport): void {
    this.reports.set(`${agentId}/${instance}`, { ...report, coverage: report.coverage.slice(-MAX_EPOCHS), gaps: report.gaps.slice(-MAX_EPOCHS) });
  }

  forget(agentId: string, instance: string): void {
    this.reports.delete(`${agentId}/${instance}`);
  }

  get(agentId: string, instance: string): ArchiveReport | null {
    return this.reports.get(`${agentId}/${instance}`) ?? null;
  }
}
