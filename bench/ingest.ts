/**
 * `npm run bench:ingest [-- --duration 10 --connections 50 --rounds 2]`
 *
 * autocannon against POST /webhooks/midtrans with valid signed bodies for distinct orders and,
 * in the same run and server, a trivial route. Phases alternate (trivial, webhook, trivial, …)
 * so machine noise hits both; the ratio is what to compare across machines.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { computeSignature } from '@lunas/midtrans';
import { deletePrefix } from '../test/harness/redis.js';
import { RUN_SOURCES } from '../scripts/run-sources.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '2' },
    bodies: { type: 'string', default: '200000' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const serverKey = 'SB-Mid-server-bench-key-000000';
const prefix = `lunas-bench-${randomBytes(4).toString('hex')}`;

// Distinct, validly signed notifications: one per request, so every request makes a new job.
const bodies = Array.from({ length: Number(values.bodies) }, (_, i) => {
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
let next = 0;

const server = spawn(
  process.execPath,
  [
    ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=artifacts/prof'] : []),
    ...RUN_SOURCES,
    'bench/ingest-server.ts',
  ],
  {
    env: { ...process.env, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, MIDTRANS_SERVER_KEY: serverKey },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const match = /LISTENING (\S+)/.exec(out);
    if (match?.[1]) {
      resolve(match[1]);
    }
  });
  server.once('exit', () => reject(new Error('bench server exited')));
});

interface Phase {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

type Kind = 'trivial' | 'webhook' | 'unbatched';

async function phase(kind: Kind): Promise<Phase> {
  const result = await autocannon({
    url,
    connections,
    duration,
    requests: [
      kind === 'trivial'
        ? {
            method: 'POST',
            path: '/bench/trivial',
            headers: { 'content-type': 'application/json' },
            body: '{"ping":true}',
          }
        : {
            method: 'POST',
            path: kind === 'webhook' ? '/webhooks/midtrans' : '/bench/unbatched/webhooks/midtrans',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
          },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

const results: Record<Kind, Phase[]> = { trivial: [], webhook: [], unbatched: [] };
try {
  await phase('trivial'); // warm-up, not counted
  for (let round = 0; round < rounds; round += 1) {
    results.trivial.push(await phase('trivial'));
    results.webhook.push(await phase('webhook'));
    results.unbatched.push(await phase('unbatched'));
  }
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  await deletePrefix(prefix, redisUrl);
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const ROUTES: Record<Kind, string> = {
  trivial: 'POST /bench/trivial',
  webhook: 'POST /webhooks/midtrans (batched)',
  unbatched: 'same, one add per request',
};
const summary = (kind: Kind) => ({
  route: ROUTES[kind],
  'req/s': Math.round(avg(results[kind].map((r) => r.rps))),
  'p50 ms': avg(results[kind].map((r) => r.p50)),
  'p99 ms': avg(results[kind].map((r) => r.p99)),
  non2xx: results[kind].reduce((a, r) => a + r.non2xx, 0),
  errors: results[kind].reduce((a, r) => a + r.errors, 0),
});
const trivial = summary('trivial');
const webhook = summary('webhook');
const unbatched = summary('unbatched');
console.table([trivial, webhook, unbatched]);
console.log(
  `ratio webhook/trivial: ${(webhook['req/s'] / trivial['req/s']).toFixed(2)}x; unbatched/trivial: ${(unbatched['req/s'] / trivial['req/s']).toFixed(2)}x; batched/unbatched: ${(webhook['req/s'] / unbatched['req/s']).toFixed(2)}x  (connections ${connections}, ${rounds} x ${duration}s per route)`,
);
if (webhook.non2xx + unbatched.non2xx > 0 || webhook.errors + unbatched.errors > 0) {
  console.error('webhook phase had non-2xx answers or errors');
  process.exitCode = 1;
}
