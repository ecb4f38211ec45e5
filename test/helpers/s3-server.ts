import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3TargetOptions } from '../../shared/storage/s3-target.js';
import { ROOT } from './cli.js';
import { freePort } from './ports.js';

/** s3rver's built-in account. */
export const S3RVER_KEY = 'S3RVER';

/**
 * A real S3-compatible server for tests: `s3rver` (npm) as a child process on a free port with its
 * own temp directory and one bucket, stopped (and its directory removed) by `stop()`. A missing
 * s3rver or one that does not start fails the test; it never skips.
 */
export class TestS3Server {
  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly bucket: string,
    private child: ChildProcess | null,
    private readonly output: () => string,
  ) {}

  static async start(options: { bucket?: string } = {}): Promise<TestS3Server> {
    const bin = join(ROOT, 'node_modules', 's3rver', 'bin', 's3rver.js');
    if (!existsSync(bin)) throw new Error(`s3rver is not installed (${bin}): the S3 tests need it (npm ci)`);
    const bucket = options.bucket ?? 'redback-test';
    const dir = mkdtempSync(join(tmpdir(), 'redback-s3rver-'));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      // s3rver encrypts list continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
      ['--openssl-legacy-provider', bin, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '-s', '--no-vhost-buckets', '--configure-bucket', bucket],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    const server = new TestS3Server(port, dir, bucket, child, () => output);
    try {
      await server.waitReady(15_000);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Options for an S3Target on this server (s3rver rejects the SDK's default checksums). */
  targetOptions(overrides: Partial<S3TargetOptions> = {}): S3TargetOptions {
    return {
      bucket: this.bucket,
      endpoint: this.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
      checksumMode: 'WHEN_REQUIRED',
      ...overrides,
    };
  }

  /** Environment for an independent client (the `aws` CLI) talking to this server. */
  awsEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      AWS_ACCESS_KEY_ID: S3RVER_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.child || this.child.exitCode !== null) {
        throw new Error(`s3rver exited before it listened: ${this.output()}`);
      }
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(this.port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open) return;
      if (Date.now() > deadline) throw new Error(`s3rver did not listen on ${this.port} within ${timeoutMs} ms: ${this.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
