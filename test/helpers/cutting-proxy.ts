import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server that can drop connections on demand: `cutNow()` cuts
 * every open connection at once (a network failure in the middle of a response). Used to prove
 * that a get whose connection drops is a SHORT_READ, never a silent success.
 */
export class CuttingProxy {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  port = 0;

  private constructor(upstreamPort: number, upstreamHost: string) {
    this.server = createServer((client) => {
      const upstream = connect(upstreamPort, upstreamHost);
      this.sockets.add(client);
      this.sockets.add(upstream);
      const drop = (): void => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      for (const socket of [client, upstream]) {
        socket.on('error', drop);
        socket.on('close', drop);
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  static async start(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<CuttingProxy> {
    const proxy = new CuttingProxy(upstreamPort, upstreamHost);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = proxy.server.address();
    if (!address || typeof address !== 'object') throw new Error('proxy did not bind');
    proxy.port = address.port;
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Drops every open connection (both directions) now. */
  cutNow(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    this.cutNow();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
