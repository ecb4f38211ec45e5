/**
 * What a person at a terminal sees, and what a pipe gets: the real CLI run under a pseudo-terminal
 * (`script`, util-linux) and through a pipe, against a real redis-server.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { CLI, runCli } from '../helpers/cli.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const tmp = makeTempDir('redback-terminal-');
let redis: TestRedisServer;
let config: string;

/** Runs the CLI with a terminal as stdin/stdout/stderr; returns everything the terminal got. */
function runOnTerminal(args: string[], env: Record<string, string> = {}): Promise<{ code: number; screen: string }> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], { env: { ...process.env, TERM: 'xterm', NO_COLOR: '', REDBACK_LOG_FORMAT: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (d) => (screen += d));
    child.stderr.on('data', (d) => (screen += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, screen }));
  });
}

const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

beforeAll(async () => {
  redis = await TestRedisServer.start({ dir: join(tmp.path, 'redis') });
  // ~5 MB of data: the copy reports progress several times.
  await redis.client().eval("for i=1,200000 do redis.call('set','key:'..i,string.rep('x',20)..i) end", 0);
  config = writeAgentConfig(tmp.path, { backupDir: join(tmp.path, 'backups'), instances: [{ name: 'main', url: redis.url }] });
}, 60_000);
afterAll(async () => {
  await redis?.stop();
  tmp.cleanup();
});

describe('terminal output', () => {
  it('the progress bar ends its line: the next output starts below it, never over it', async () => {
    const { code, screen } = await runOnTerminal(['agent', 'snapshot', '--config', config, '--instance', 'main'], { REDBACK_LOG_LEVEL: 'info' });
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/snapshot main copy \[#+\] 100% \| 5\.\d MiB\/5\.\d MiB/);
    expect(screen).toMatch(/\| [\d.]+ [KMG]?i?B\/s ETA \S+/); // speed and time left
    // The cursor, hidden while the bar is drawn, is shown again.
    expect(screen.lastIndexOf('\x1b[?25h')).toBeGreaterThan(screen.lastIndexOf('\x1b[?25l'));
    // The last redraw of the bar is followed by a line end, then the result on its own line.
    expect(screen).toMatch(/\] 100% [^\r\n]*(\x1b\[K)?\r*\ncopy \S+ of main \(manual\)/);
    // Logs are readable lines on a terminal (pino-pretty), not JSON.
    expect(strip(screen)).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO \(redback-agent\): copy complete/m);
    expect(screen).not.toMatch(/\{"level"/);
    expect(screen).toMatch(/\x1b\[/); // colours and line erasing on a terminal
  }, 60_000);

  it('NO_COLOR: not one escape sequence, the bar still ends its line', async () => {
    const { code, screen } = await runOnTerminal(['agent', 'snapshot', '--config', config, '--instance', 'main'], { REDBACK_LOG_LEVEL: 'info', NO_COLOR: '1' });
    expect(code, screen).toBe(0);
    expect(screen).not.toMatch(/\x1b/);
    expect(screen).toMatch(/\] 100% [^\r\n]*\r*\ncopy \S+ of main/);
    expect(screen).toMatch(/INFO \(redback-agent\): copy complete/);
  }, 60_000);

  it('REDBACK_LOG_FORMAT=json gives JSON lines even on a terminal', async () => {
    const { code, screen } = await runOnTerminal(['agent', 'snapshot', '--config', config, '--instance', 'main'], { REDBACK_LOG_LEVEL: 'info', REDBACK_LOG_FORMAT: 'json' });
    expect(code, screen).toBe(0);
    const line = strip(screen).split(/\r?\n/).map((l) => l.replace(/^[\s\S]*\r/, '')).find((l) => l.includes('"copy complete"'));
    expect(JSON.parse(line!)).toMatchObject({ level: 'info', msg: 'copy complete', instance: 'main' });
  }, 60_000);

  it('through a pipe: no bar, no escape codes, logs are JSON; REDBACK_LOG_FORMAT=pretty gives plain readable lines', async () => {
    const piped = await runCli(['agent', 'snapshot', '--config', config, '--instance', 'main'], { env: { REDBACK_LOG_LEVEL: 'info', NO_COLOR: '', REDBACK_LOG_FORMAT: '' } });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout + piped.stderr).not.toMatch(/\x1b|\r|\[#/);
    const logs = piped.stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(logs.map((l) => l.msg)).toContain('copy complete');
    const pretty = await runCli(['agent', 'snapshot', '--config', config, '--instance', 'main'], { env: { REDBACK_LOG_LEVEL: 'info', REDBACK_LOG_FORMAT: 'pretty' } });
    expect(pretty.code).toBe(0);
    expect(pretty.stderr).toMatch(/INFO \(redback-agent\): copy complete/);
    expect(pretty.stderr).not.toMatch(/\x1b/);
  }, 60_000);
});
