import { connect, type ClientHttp2Session, type Settings } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { serverWindow, TRANSFER_WINDOW_BYTES } from '../../shared/rpc/credentials.js';
import { waitFor } from '../helpers/redis-server.js';

// The coordinator receives copy uploads with a 4 MiB HTTP/2 window, not the 64 KiB default
// (grpc-js only honours grpc-node.flow_control_window on clients, so serverWindow reaches into
// its server). This checks what a real HTTP/2 client is told, so a grpc-js upgrade that moves
// those internals fails here instead of silently making copies slow again.
describe('serverWindow: the coordinator widens its HTTP/2 receive windows', () => {
  let server: grpc.Server | null = null;
  let session: ClientHttp2Session | null = null;

  afterEach(async () => {
    session?.destroy();
    await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
  });

  it('announces the stream window in its SETTINGS and opens the connection window', async () => {
    server = new grpc.Server();
    serverWindow.beforeBind(server, TRANSFER_WINDOW_BYTES);
    const port = await new Promise<number>((resolve, reject) =>
      server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    serverWindow.afterBind(server, TRANSFER_WINDOW_BYTES);
    session = connect(`http://127.0.0.1:${port}`);
    session.on('error', () => undefined);
    const settings = await new Promise<Settings>((resolve) => session!.once('remoteSettings', resolve));
    expect(settings.initialWindowSize).toBe(TRANSFER_WINDOW_BYTES);
    // The connection-level window arrives as a WINDOW_UPDATE after the SETTINGS.
    await waitFor(() => (session!.state.remoteWindowSize ?? 0) >= TRANSFER_WINDOW_BYTES, 10_000, 20);
  });

  it('without it a server keeps the 64 KiB default (what made uploads wait on every 64 KiB)', async () => {
    server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server!.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    session = connect(`http://127.0.0.1:${port}`);
    session.on('error', () => undefined);
    const settings = await new Promise<Settings>((resolve) => session!.once('remoteSettings', resolve));
    expect(settings.initialWindowSize ?? 65_535).toBeLessThan(TRANSFER_WINDOW_BYTES);
  });
});
