import { z } from 'zod';

/**
 * Persistence policy (S1, S2): which RDB save rules and AOF settings an instance should run with.
 * The coordinator's config holds a fleet default and named groups; an instance picks one. Every
 * key is optional: an unset key means "don't care" (never drift, never changed).
 *
 * The coordinator compares what agents report (CONFIG GET) against the policy; the agent applies
 * the differences (CONFIG SET, CONFIG REWRITE). Both sides use the normalisation here, so "same"
 * means the same thing everywhere.
 */

/** The Redis settings a policy names directly, in the order they are applied (appendonly last). */
export const POLICY_SETTINGS = ['save', 'appendfsync', 'aof-use-rdb-preamble', 'aof-timestamp-enabled', 'appendonly'] as const;
export type PolicySettingName = (typeof POLICY_SETTINGS)[number];

/**
 * Further persistence settings a policy may name under `other` (as redis.conf spells them). Only
 * these families: a policy never touches paths, ports, passwords or replication.
 */
export const OTHER_SETTING_PATTERN = /^(aof-[a-z0-9-]+|rdb-[a-z0-9-]+|rdbcompression|rdbchecksum|stop-writes-on-bgsave-error)$/;

/** What the agent reads with CONFIG GET for heartbeats (patterns allowed): every setting a policy can name. */
export const REPORTED_SETTING_PATTERNS = ['save', 'appendonly', 'appendfsync', 'aof-*', 'rdb-*', 'rdbcompression', 'rdbchecksum', 'stop-writes-on-bgsave-error'] as const;

const yesNo = z
  .union([z.boolean(), z.enum(['yes', 'no'])])
  .transform((v) => (v === true || v === 'yes' ? 'yes' : 'no'));

const saveRule = z.string().regex(/^\s*\d+\s+\d+\s*$/, { message: 'a save rule is "SECONDS CHANGES", e.g. "3600 1"' });

/** `save`: a list of "SECONDS CHANGES" rules, or "" / [] for RDB snapshots off. */
const saveSchema = z.union([z.literal(''), z.array(saveRule), saveRule]).transform((v) => normalizeSave(Array.isArray(v) ? v.join(' ') : v));

export const policySchema = z
  .object({
    save: saveSchema.optional(),
    appendonly: yesNo.optional(),
    appendfsync: z.enum(['always', 'everysec', 'no']).optional(),
    'aof-timestamp-enabled': yesNo.optional(),
    'aof-use-rdb-preamble': yesNo.optional(),
    /** Continuous archiving of the AOF offsite (stored and shown; the archiver comes later). */
    archive: z.boolean().optional(),
    /** Other persistence settings by their redis.conf name (aof-*, rdb-*, ...), applied and checked the same way. */
    other: z
      .record(
        z.string(),
        z.union([z.string(), z.number(), z.boolean()]).transform((v) => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v))),
      )
      .superRefine((other, ctx) => {
        for (const key of Object.keys(other)) {
          if (!OTHER_SETTING_PATTERN.test(key)) {
            ctx.addIssue({ code: 'custom', path: [key], message: `"${key}": only aof-*, rdb-*, rdbcompression, rdbchecksum or stop-writes-on-bgsave-error` });
          }
        }
      })
      .optional(),
  })
  .strict();

export type Policy = z.infer<typeof policySchema>;

const assignmentSchema = z
  .object({
    /** Instance name or `agentId/name`; `*` and `?` are wildcards. */
    instance: z.string().min(1),
    policy: z.string().min(1),
  })
  .strict();

export const policiesSchema = z
  .object({
    default: policySchema.default({}),
    groups: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/), policySchema).default({}),
    /** First match wins; an instance no entry matches follows `default`. */
    assign: z.array(assignmentSchema).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    p.assign.forEach((a, i) => {
      if (a.policy !== 'default' && !(a.policy in p.groups)) {
        ctx.addIssue({ code: 'custom', path: ['assign', i, 'policy'], message: `no policy group "${a.policy}" (groups: ${Object.keys(p.groups).join(', ') || 'none'})` });
      }
    });
    const check = (name: string, path: (string | number)[]) => {
      const effective = effectivePolicy(p, name);
      if (!effective.archive) return;
      if (effective.appendonly !== 'yes' || effective['aof-timestamp-enabled'] !== 'yes') {
        ctx.addIssue({ code: 'custom', path, message: `policy "${name}": archive: true needs appendonly: yes and aof-timestamp-enabled: yes` });
      }
    };
    check('default', ['default', 'archive']);
    for (const name of Object.keys(p.groups)) check(name, ['groups', name, 'archive']);
  });

export type PoliciesConfig = z.infer<typeof policiesSchema>;

export const EMPTY_POLICIES: PoliciesConfig = { default: {}, groups: {}, assign: [] };

/** A group's keys override the default's; keys set in neither are "don't care". */
export function effectivePolicy(policies: Pick<PoliciesConfig, 'default' | 'groups'>, name: string): Policy {
  if (name === 'default') return policies.default;
  const group = policies.groups[name];
  if (!group) return policies.default;
  return { ...policies.default, ...group, other: { ...policies.default.other, ...group.other } };
}

/** The policy an instance follows: the first `assign` entry matching its name or agentId/name, else default. */
export function policyFor(policies: PoliciesConfig, agentId: string, instance: string): { name: string; policy: Policy } {
  const hit = policies.assign.find((a) => globMatch(a.instance, a.instance.includes('/') ? `${agentId}/${instance}` : instance));
  const name = hit?.policy ?? 'default';
  return { name, policy: effectivePolicy(policies, name) };
}

export function globMatch(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** The Redis settings a policy asks for, by redis.conf name, normalised; don't-care keys absent. */
export function desiredSettings(policy: Policy): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of POLICY_SETTINGS) {
    const value = policy[key];
    if (value !== undefined) out[key] = value;
  }
  for (const [key, value] of Object.entries(policy.other ?? {})) out[key] = normalizeSetting(key, value);
  return out;
}

/** "3600 1 300 100" however it was written (extra spaces, one rule per list item); "" is off. */
export function normalizeSave(value: string): string {
  const numbers = value.trim().split(/\s+/).filter(Boolean);
  const rules: string[] = [];
  for (let i = 0; i + 1 < numbers.length; i += 2) rules.push(`${Number(numbers[i])} ${Number(numbers[i + 1])}`);
  return rules.join(' ');
}

/** Compares like Redis does: save rules as a set, yes/no and enums case-insensitively. */
export function normalizeSetting(key: string, value: string): string {
  if (key === 'save') {
    const n = normalizeSave(value);
    if (!n) return '';
    const pairs = n.split(' ');
    const rules: string[] = [];
    for (let i = 0; i < pairs.length; i += 2) rules.push(`${pairs[i]} ${pairs[i + 1]}`);
    return [...new Set(rules)].sort((a, b) => Number(a.split(' ')[0]) - Number(b.split(' ')[0]) || a.localeCompare(b)).join(' ');
  }
  return value.trim().toLowerCase();
}

export function sameSetting(key: string, a: string, b: string): boolean {
  return normalizeSetting(key, a) === normalizeSetting(key, b);
}

export interface SettingComparison {
  key: string;
  want: string;
  /** null when the agent has not reported it (instance down, setting unknown to this Redis). */
  actual: string | null;
  drift: boolean;
}

/**
 * Each setting the policy names against what the instance runs with. A setting not reported
 * counts as drift only when the instance did report its settings (the server does not know it).
 */
export function compareSettings(desired: Record<string, string>, actual: Record<string, string> | null): SettingComparison[] {
  return Object.entries(desired).map(([key, want]) => {
    const value = actual ? (actual[key] ?? null) : null;
    return { key, want, actual: value, drift: actual !== null && (value === null || !sameSetting(key, want, value)) };
  });
}

/** Order for applying: appendonly last when turning it on (its rewrite then uses the new AOF settings), first when turning it off. */
export function applyOrder(keys: readonly string[], appendonlyWant?: string): string[] {
  const rest = keys.filter((k) => k !== 'appendonly');
  if (!keys.includes('appendonly')) return rest;
  return appendonlyWant === 'no' ? ['appendonly', ...rest] : [...rest, 'appendonly'];
}

/**
 * The settings a policy-apply job may carry, checked again on the agent: only the policy's own
 * settings and the `other` families, string values. A coordinator can never make an agent set
 * `dir`, `requirepass` or anything else through a policy.
 */
export function policySettingsProblem(settings: unknown): string | null {
  if (!settings || typeof settings !== 'object' || Array.isArray(settings)) return 'settings must be an object';
  for (const [key, value] of Object.entries(settings)) {
    if (!(POLICY_SETTINGS as readonly string[]).includes(key) && !OTHER_SETTING_PATTERN.test(key)) return `"${key}" is not a persistence setting`;
    if (typeof value !== 'string') return `"${key}" must be a string`;
  }
  return null;
}
