/**
 * A TCP proxy in front of Postgres that can add latency for a while: a network delay without
 * root-only tools (tc/netem need CAP_NET_ADMIN).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Transform } from 'node:stream';

export interface PgProxy {
  readonly port: number;
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startPgProxy(target: { host: string; port: number }): Promise<PgProxy> {
  let delayMs = 0;
  const sockets = new Set<Socket>();
  const delayed = () =>
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        if (delayMs === 0) {
          done(null, chunk);
        } else {
          setTimeout(() => done(null, chunk), delayMs);
        }
      },
    });
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(delayed()).pipe(upstream);
    upstream.pipe(delayed()).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    setDelay(ms) {
      delayMs = ms;
    },
    async close() {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
