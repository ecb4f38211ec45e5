const MAX_SETTINGS = 64;

/** What an agent last reported about one instance's persistence settings (CONFIG GET). */
export interface PersistenceReport {
  /** redis.conf name -> value as CONFIG GET returns it. */
  settings: Record<string, string>;
  /** The server's config file ("" = runs without one, so CONFIG REWRITE cannot persist a change). */
  configFile: string;
  reportedAt: Date;
}

/**
 * The newest persistence settings per instance, from heartbeats, kept in memory: they describe the
 * running servers right now, and every connected agent reports them again within one heartbeat
 * interval (so a restarted coordinator knows them again within seconds).
 */
export class PersistenceReports {
  private readonly reports = new Map<string, PersistenceReport>();

  /** Keeps at most MAX_SETTINGS settings with names and values of plausible length (the rest is not a setting). */
  record(agentId: string, instance: string, report: PersistenceReport): void {
    const settings: Record<string, string> = {};
    for (const [key, value] of Object.entries(report.settings).slice(0, MAX_SETTINGS)) {
      if (key.length <= 64 && typeof value === 'string' && value.length <= 1024) settings[key] = value;
    }
    this.reports.set(`${agentId}/${instance}`, { ...report, settings, configFile: report.configFile.slice(0, 4096) });
  }

  /** Instance down (no settings in its heartbeat): keep nothing, rather than stale values. */
  forget(agentId: string, instance: string): void {
    this.reports.delete(`${agentId}/${instance}`);
  }

  get(agentId: string, instance: string): PersistenceReport | null {
    return this.reports.get(`${agentId}/${instance}`) ?? null;
  }
}
