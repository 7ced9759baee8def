/**
 * What the ingest benchmarks share (`bench:ingest`, `bench:ingest-replicas`): distinct, validly
 * signed notification bodies, a bench server started as a child process from sources, one
 * autocannon phase against a route, and the per-route summary of the phases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { computeSignature } from '@lunas/midtrans';
import { RUN_SOURCES } from '../scripts/run-sources.js';

export const BENCH_SERVER_KEY = 'SB-Mid-server-bench-key-000000';

/** Distinct, validly signed notifications: one per request, so every request makes a new job. */
export function signedBodies(count: number, serverKey = BENCH_SERVER_KEY): string[] {
  return Array.from({ length: count }, (_, i) => {
    const body: Record<string, string> = {
      transaction_time: '2026-11-26 10:00:00',
      transaction_status: 'settlement',
      transaction_id: randomUUID(),
      status_message: 'midtrans payment notification',
      status_code: '200',
      payment_type: 'bank_transfer',
      order_id: `BENCH-${i}`,
      gross_amount: '150000.00',
      fraud_status: 'accept',
      currency: 'IDR',
    };
    body.signature_key = computeSignature(
      { order_id: body.order_id!, status_code: '200', gross_amount: '150000.00' },
      serverKey,
    );
    return JSON.stringify(body);
  });
}

export interface BenchServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts a bench server (a file that prints `LISTENING <url>`) from sources, like npm start. */
export async function startBenchServer(
  entry: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<BenchServer> {
  const server: ChildProcess = spawn(process.execPath, [...nodeArgs, ...RUN_SOURCES, entry], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /LISTENING (\S+)/.exec(out);
      if (match?.[1]) {
        resolve(match[1]);
      }
    });
    server.once('exit', () => reject(new Error('bench server exited')));
  });
  return {
    url,
    async stop() {
      server.kill('SIGTERM');
      await once(server, 'exit');
    },
  };
}

export interface Phase {
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/**
 * One autocannon phase: POST `path` with either a fixed `body` or the next of `bodies` per
 * request (the cursor is shared across phases, so no body is sent twice).
 */
export function createPhaseRunner(options: { url: string; connections: number; bodies: readonly string[] }) {
  let next = 0;
  return async (path: string, seconds: number, body?: string): Promise<Phase> => {
    const result = await autocannon({
      url: options.url,
      connections: options.connections,
      duration: seconds,
      requests: [
        body === undefined
          ? {
              method: 'POST',
              path,
              headers: { 'content-type': 'application/json' },
              setupRequest: (req) => ({ ...req, body: options.bodies[next++ % options.bodies.length] }),
            }
          : { method: 'POST', path, headers: { 'content-type': 'application/json' }, body },
      ],
    });
    return {
      rps: result.requests.average,
      requests: result.requests.total,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      errors: result.errors,
    };
  };
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** One table row: the average of a route's phases, and their non-2xx answers and errors summed. */
export function summarize(route: string, phases: readonly Phase[]) {
  return {
    route,
    'req/s': Math.round(avg(phases.map((r) => r.rps))),
    'p50 ms': avg(phases.map((r) => r.p50)),
    'p99 ms': avg(phases.map((r) => r.p99)),
    non2xx: phases.reduce((a, r) => a + r.non2xx, 0),
    errors: phases.reduce((a, r) => a + r.errors, 0),
  };
}

/** Redis INFO commandstats as calls and usec per command. */
export async function commandStats(redis: {
  info(section: 'commandstats'): Promise<string>;
}): Promise<Map<string, { calls: number; usec: number }>> {
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (m) {
      stats.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
    }
  }
  return stats;
}

/** What Redis spent between two commandstats readings, per command, and per request. */
export function commandStatsDelta(
  before: Map<string, { calls: number; usec: number }>,
  after: Map<string, { calls: number; usec: number }>,
  requests: number,
) {
  return [...after.entries()]
    .map(([cmd, a]) => {
      const b = before.get(cmd) ?? { calls: 0, usec: 0 };
      return { cmd, calls: a.calls - b.calls, usec: a.usec - b.usec };
    })
    .filter((r) => r.calls > 0)
    .sort((x, y) => y.usec - x.usec)
    .slice(0, 8)
    .map((r) => ({
      command: r.cmd,
      calls: r.calls,
      'usec per call': Number((r.usec / r.calls).toFixed(1)),
      'µs per request': Number((r.usec / requests).toFixed(1)),
    }));
}
