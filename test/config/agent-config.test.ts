import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { agentConfigSchema, uniqueInstanceNames } from '../../shared/config/agent-config.js';
import { parseYamlConfig } from '../../shared/config/load-yaml-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import { REDACT_PATHS, redactUrl } from '../../shared/log/logger.js';

function parse(text: string, env: NodeJS.ProcessEnv = {}) {
  return parseYamlConfig(text, 'agent.yaml', agentConfigSchema, env, uniqueInstanceNames);
}

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parse(text, env);
  } catch (err) {
    expect(err).toBeInstanceOf(RedbackError);
    expect((err as RedbackError).code).toBe('CONFIG_INVALID');
    return ((err as RedbackError).details!.problems as Array<{ path: string; message: string }>).map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected the config to be rejected');
}

describe('agent config', () => {
  it('accepts the minimal config and fills the defaults', () => {
    const cfg = parse('backupDir: /var/lib/redback\ninstances:\n  - name: main\n    url: redis://127.0.0.1:6379\n');
    expect(cfg.instances[0]!.name).toBe('main');
    expect(cfg.retention.hourly).toBe(48 * 3600_000);
    expect(cfg.retention.daily).toBe(30 * 86400_000);
    expect(cfg.retention.manual).toBeNull();
    expect(cfg.schedules.hourly).toBe('0 * * * *');
    expect(cfg.timezone).toBe('UTC');
    expect(cfg.snapshot.mode).toBe('bgsave');
  });

  it('interpolates ${ENV} and ${ENV:-default}, and $${ as a literal', () => {
    const cfg = parse(
      'backupDir: ${BASE:-/srv}/redback\ninstances:\n  - name: main\n    url: redis://:${REDIS_PASSWORD}@127.0.0.1:6379\n    dir: /data/$${literal}\n',
      { REDIS_PASSWORD: 's3cret' },
    );
    expect(cfg.backupDir).toBe('/srv/redback');
    expect(cfg.instances[0]!.url).toBe('redis://:s3cret@127.0.0.1:6379');
    expect(cfg.instances[0]!.dir).toBe('/data/${literal}');
  });

  it('reports every problem at once with its key path', () => {
    const problems = problemsOf(
      [
        'backupDir: 5',
        'timezone: Mars/Olympus',
        'schedules: { hourly: "every hour" }',
        'retention: { daily: 3 fortnights }',
        'instances:',
        '  - name: a',
        '    url: redis://x:1',
        '    control: { type: systemd }',
        '  - name: a',
        '    url: ${MISSING_VAR}',
      ].join('\n'),
    );
    const paths = problems.map((p) => p.split(':')[0]);
    expect(paths).toEqual(
      expect.arrayContaining(['backupDir', 'timezone', 'schedules.hourly', 'retention.daily', 'instances.0.control.unit', 'instances.1.url', 'instances.1.name']),
    );
    expect(problems.join('\n')).toContain('MISSING_VAR is not set');
    expect(problems.join('\n')).toContain('duplicate instance name "a"');
  });

  it('reports YAML syntax errors with a line number', () => {
    const problems = problemsOf('backupDir: [unclosed\ninstances: {');
    expect(problems[0]).toMatch(/^line \d+/);
  });

  it('accepts the three control types and TLS files', () => {
    const cfg = parse(
      [
        'backupDir: /b',
        'instances:',
        '  - { name: a, url: "redis://127.0.0.1:1", control: { type: process } }',
        '  - { name: b, url: "rediss://u:p@127.0.0.1:2", tls: { ca: /ca.pem }, control: { type: systemd, unit: redis-server.service } }',
        '  - { name: c, url: "redis://127.0.0.1:3", control: { type: exec, start: "redis-server /etc/c.conf", stop: "redis-cli -p 3 shutdown" } }',
      ].join('\n'),
    );
    expect(cfg.instances.map((i) => i.control?.type)).toEqual(['process', 'systemd', 'exec']);
  });
});

describe('secrets never reach logs', () => {
  it('redacts passwords in URLs and token fields', () => {
    expect(redactUrl('redis://user:hunter2@host:6379/0')).toBe('redis://user:***@host:6379/0');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = pino({ redact: { paths: REDACT_PATHS, censor: (v) => (typeof v === 'string' && v.includes('://') ? redactUrl(v) : '***') } }, sink);
    logger.info({ url: 'redis://:hunter2@h:1', token: 'tok-123', coordinator: { token: 'tok-456' }, instance: { password: 'pw' } }, 'x');
    const text = lines.join('');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('tok-123');
    expect(text).not.toContain('tok-456');
    expect(text).not.toContain('"pw"');
  });
});
