/**
 * `npm run bench:ingest-replicas [-- --duration 8 --connections 50 --rounds 1]`
 *
 * What ENQUEUE_MIN_REPLICAS=1 costs: autocannon against POST /webhooks/midtrans with valid
 * signed bodies for distinct orders, once with the master's acknowledgement only (the default,
 * 0) and once waiting for one replica (Redis WAIT), on one server process and one Redis master
 * that has a synced replica (both started here on free ports, stopped by PID). Phases alternate
 * (0, 1, 0, 1 …) so machine noise hits both; the ratio is what to compare across machines.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { computeSignature } from '@lunas/midtrans';
import { startRedisWithReplica } from '../test/harness/redis-topology.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const serverKey = 'SB-Mid-server-bench-key-000000';
const prefix = `lunas-bench-${randomBytes(4).toString('hex')}`;

const bodies = Array.from({ length: 200_000 }, (_, i) => {
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

const redis = await startRedisWithReplica();
const server = spawn(process.execPath, ['--import', 'tsx', 'bench/ingest-replicas-server.ts'], {
  env: {
    ...process.env,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: prefix,
    MIDTRANS_SERVER_KEY: serverKey,
    ENQUEUE_MIN_REPLICAS: '0',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
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
type Kind = 'min0' | 'min1';

async function phase(kind: Kind, seconds = duration): Promise<Phase> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: kind === 'min0' ? '/webhooks/midtrans' : '/bench/replicas/webhooks/midtrans',
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

const results: Record<Kind, Phase[]> = { min0: [], min1: [] };
try {
  await phase('min0', 2); // warm-up, not counted
  for (let round = 0; round < rounds; round += 1) {
    results.min0.push(await phase('min0'));
    results.min1.push(await phase('min1'));
  }
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  await redis.stop();
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const summary = (kind: Kind) => ({
  route: `POST /webhooks/midtrans, ENQUEUE_MIN_REPLICAS=${kind === 'min0' ? 0 : 1}`,
  'req/s': Math.round(avg(results[kind].map((r) => r.rps))),
  'p50 ms': avg(results[kind].map((r) => r.p50)),
  'p99 ms': avg(results[kind].map((r) => r.p99)),
  non2xx: results[kind].reduce((a, r) => a + r.non2xx, 0),
  errors: results[kind].reduce((a, r) => a + r.errors, 0),
});
const min0 = summary('min0');
const min1 = summary('min1');
console.table([min0, min1]);
console.log(
  `ratio min1/min0: ${(min1['req/s'] / min0['req/s']).toFixed(2)}x  (connections ${connections}, ${rounds} x ${duration}s per variant, ${cpus().length} cores: ${cpus()[0]?.model ?? '?'})`,
);
if (min0.non2xx + min1.non2xx > 0 || min0.errors + min1.errors > 0) {
  console.error('a phase had non-2xx answers or errors');
  process.exitCode = 1;
}
