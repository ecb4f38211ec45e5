/**
 * What a policy-apply job returns: the agent builds it (agent/policy/apply-policy.ts), the job
 * carries it as JSON, and the CLI renders it (coordinator/cli/policy-commands.ts).
 */

export interface SettingChange {
  key: string;
  before: string;
  want: string;
  /** Read back after the change; null on a dry run. */
  after: string | null;
}

export interface PolicyApplyResult {
  instance: string;
  redisVersion: string;
  dryRun: boolean;
  /** Settings that differed (on a dry run: that would change), in the order they are set. */
  changes: SettingChange[];
  /** Settings that already matched. */
  unchanged: string[];
  /** Whether redis.conf now says the same (CONFIG REWRITE); null when nothing was changed. */
  persisted: boolean | null;
  /** Why the change was not written to redis.conf. */
  notPersistedReason: string | null;
  configFile: string;
  /** Things the operator must know (AOF turned off, RDB snapshots off, an AOF rewrite). */
  warnings: string[];
  /** How long the AOF rewrite after `appendonly yes` took, ms. */
  aofRewriteMs: number | null;
}
