/**
 * `npm run bench:ingest [-- --duration 10 --connections 50 --rounds 2]`
 *
 * autocannon against POST /webhooks/midtrans with valid signed bodies for distinct orders and,
 * in the same run and server, a trivial route. Phases alternate (trivial, webhook, trivial, …)
 * so machine noise hits both; the ratio is what to compare across machines.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { deletePrefix } from '../test/harness/redis.js';
import {
  BENCH_SERVER_KEY,
  createPhaseRunner,
  signedBodies,
  startBenchServer,
  summarize,
  type Phase,
} from './ingest-kit.js';

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
const prefix = `lunas-bench-${randomBytes(4).toString('hex')}`;
const bodies = signedBodies(Number(values.bodies));

const server = await startBenchServer(
  'bench/ingest-server.ts',
  { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, MIDTRANS_SERVER_KEY: BENCH_SERVER_KEY },
  process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=artifacts/prof'] : [],
);
const run = createPhaseRunner({ url: server.url, connections, bodies });

type Kind = 'trivial' | 'webhook' | 'unbatched';
const PATHS: Record<Kind, string> = {
  trivial: '/bench/trivial',
  webhook: '/webhooks/midtrans',
  unbatched: '/bench/unbatched/webhooks/midtrans',
};
const phase = (kind: Kind): Promise<Phase> =>
  run(PATHS[kind], duration, kind === 'trivial' ? '{"ping":true}' : undefined);

const results: Record<Kind, Phase[]> = { trivial: [], webhook: [], unbatched: [] };
try {
  await phase('trivial'); // warm-up, not counted
  for (let round = 0; round < rounds; round += 1) {
    results.trivial.push(await phase('trivial'));
    results.webhook.push(await phase('webhook'));
    results.unbatched.push(await phase('unbatched'));
  }
} finally {
  await server.stop();
  await deletePrefix(prefix, redisUrl);
}

const ROUTES: Record<Kind, string> = {
  trivial: 'POST /bench/trivial',
  webhook: 'POST /webhooks/midtrans (batched)',
  unbatched: 'same, one add per request',
};
const summary = (kind: Kind) => summarize(ROUTES[kind], results[kind]);
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
