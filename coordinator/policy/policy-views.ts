import { compareSettings, desiredSettings, policyFor, type PoliciesConfig, type SettingComparison } from '../../shared/policy/persistence-policy.js';
import type { PersistenceReports } from './persistence-reports.js';

export interface InstancePolicyView {
  agentId: string;
  instance: string;
  /** The policy it follows: "default" or a group name. */
  policy: string;
  /** Continuous AOF archiving asked for (stored and shown). */
  archive: boolean;
  /** Each setting the policy names, what the instance runs with, and whether they differ. */
  settings: SettingComparison[];
  /** null until the agent has reported the instance's settings (agent offline, Redis down). */
  drift: boolean | null;
  reportedAt: Date | null;
  /** The server's config file; "" = none (a change cannot be persisted). null = not reported. */
  configFile: string | null;
}

/** Every instance against its policy. `instances` are the catalog's current (agentId, name) pairs. */
export function policyViews(
  policies: PoliciesConfig,
  reports: PersistenceReports,
  instances: ReadonlyArray<{ agentId: string; name: string }>,
): InstancePolicyView[] {
  return instances.map(({ agentId, name }) => {
    const { name: policy, policy: settings } = policyFor(policies, agentId, name);
    const report = reports.get(agentId, name);
    const compared = compareSettings(desiredSettings(settings), report?.settings ?? null);
    return {
      agentId,
      instance: name,
      policy,
      archive: settings.archive === true,
      settings: compared,
      drift: report ? compared.some((s) => s.drift) : null,
      reportedAt: report?.reportedAt ?? null,
      configFile: report ? report.configFile : null,
    };
  });
}
