import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCoordinatorConfig, coordinatorConfigSchema } from '../../shared/config/coordinator-config.js';
import { parseYamlConfig } from '../../shared/config/load-yaml-config.js';
import { applyOrder, compareSettings, desiredSettings, policyFor, policySettingsProblem, sameSetting } from '../../shared/policy/persistence-policy.js';
import { ROOT } from '../helpers/cli.js';

const base = `listen: 127.0.0.1:7400
catalog: /tmp/c.db
auth: { adminToken: aaaaaaaaaaaaaaaaaaaa, agentToken: bbbbbbbbbbbbbbbbbbbb }
`;
const parse = (policies: string) => parseYamlConfig(base + policies, 'coordinator.yaml', coordinatorConfigSchema, {});

describe('persistence policy config', () => {
  it('the example config: default, groups and assignments', () => {
    const cfg = loadCoordinatorConfig(join(ROOT, 'deploy', 'examples', 'coordinator.yaml'), { REDBACK_ADMIN_TOKEN: 'a'.repeat(32), REDBACK_AGENT_TOKEN: 'b'.repeat(32) });
    expect(cfg.policies.default.save).toBe('3600 1 300 100 60 10000');
    expect(policyFor(cfg.policies, 'host1', 'sessions-eu').name).toBe('critical');
    expect(policyFor(cfg.policies, 'redis-host-07', 'anything').name).toBe('cache');
    expect(policyFor(cfg.policies, 'host1', 'main').name).toBe('default');
    // a group inherits the default's keys it does not set
    const critical = policyFor(cfg.policies, 'h', 'sessions').policy;
    expect(desiredSettings(critical)).toEqual({
      save: '3600 1 300 100 60 10000',
      appendonly: 'yes',
      appendfsync: 'everysec',
      'aof-timestamp-enabled': 'yes',
      'aof-use-rdb-preamble': 'yes',
    });
    expect(critical.archive).toBe(true);
  });

  it('no policies: every instance follows an empty default (nothing to check)', () => {
    const cfg = parse('');
    expect(desiredSettings(policyFor(cfg.policies, 'a', 'b').policy)).toEqual({});
  });

  it('yes/no as YAML booleans or strings, save as a list, one string or ""', () => {
    const cfg = parse(`policies:
  default: { appendonly: true, aof-use-rdb-preamble: "no", save: "900   1" }
  groups: { off: { save: "" }, list: { save: [] } }
`);
    expect(cfg.policies.default).toMatchObject({ appendonly: 'yes', 'aof-use-rdb-preamble': 'no', save: '900 1' });
    expect(cfg.policies.groups.off!.save).toBe('');
    expect(cfg.policies.groups.list!.save).toBe('');
  });

  it('refuses archive without appendonly and aof-timestamp-enabled, unknown groups, bad rules and keys', () => {
    expect(() => parse('policies: { default: { archive: true, appendonly: yes } }\n')).toThrow(/archive: true needs appendonly: yes and aof-timestamp-enabled: yes/);
    expect(() => parse('policies: { assign: [{ instance: "x*", policy: nope }] }\n')).toThrow(/no policy group "nope"/);
    expect(() => parse('policies: { default: { save: ["every hour"] } }\n')).toThrow(/SECONDS CHANGES/);
    expect(() => parse('policies: { default: { appendfsync: sometimes } }\n')).toThrow(/policies.default.appendfsync/);
    expect(() => parse('policies: { default: { maxmemory: 1gb } }\n')).toThrow(/maxmemory/);
    expect(() => parse('policies: { default: { other: { dir: /tmp } } }\n')).toThrow(/only aof-\*/);
    // archive satisfied through the default
    const ok = parse('policies: { default: { appendonly: yes, aof-timestamp-enabled: yes }, groups: { g: { archive: true } } }\n');
    expect(ok.policies.groups.g!.archive).toBe(true);
  });

  it('compares like Redis: save rules in any order, yes/no case, unreported and unknown settings', () => {
    expect(sameSetting('save', '300 100 3600 1', '3600 1 300 100')).toBe(true);
    expect(sameSetting('appendonly', 'YES', 'yes')).toBe(true);
    const desired = { save: '3600 1', appendonly: 'yes', 'aof-new-thing': 'yes' };
    const c = compareSettings(desired, { save: '3600 1', appendonly: 'no' });
    expect(c).toEqual([
      { key: 'save', want: '3600 1', actual: '3600 1', drift: false },
      { key: 'appendonly', want: 'yes', actual: 'no', drift: true },
      { key: 'aof-new-thing', want: 'yes', actual: null, drift: true },
    ]);
    expect(compareSettings(desired, null).every((s) => !s.drift && s.actual === null)).toBe(true);
  });

  it('appendonly goes last when turned on, first when turned off', () => {
    expect(applyOrder(['appendonly', 'save', 'appendfsync'], 'yes')).toEqual(['save', 'appendfsync', 'appendonly']);
    expect(applyOrder(['save', 'appendonly'], 'no')).toEqual(['appendonly', 'save']);
  });

  it('agent/name assignments and wildcards', () => {
    const cfg = parse(`policies:
  groups: { a: { appendonly: yes }, b: { appendonly: no } }
  assign: [{ instance: "host1/main", policy: a }, { instance: "ma?n", policy: b }]
`);
    expect(policyFor(cfg.policies, 'host1', 'main').name).toBe('a');
    expect(policyFor(cfg.policies, 'host2', 'main').name).toBe('b');
    expect(policyFor(cfg.policies, 'host2', 'mains').name).toBe('default');
  });

  it('the agent accepts only persistence settings in a policy-apply job', () => {
    expect(policySettingsProblem({ appendonly: 'yes', 'aof-timestamp-enabled': 'yes', 'rdb-del-sync-files': 'no' })).toBeNull();
    expect(policySettingsProblem({ dir: '/tmp' })).toMatch(/"dir" is not a persistence setting/);
    expect(policySettingsProblem({ appendonly: true })).toMatch(/must be a string/);
    expect(policySettingsProblem(undefined)).toMatch(/must be an object/);
  });
});
