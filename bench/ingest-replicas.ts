/**
 * `npm run bench:ingest-replicas [-- --duration 8 --connections 50 --rounds 1]`
 *
 * What ENQUEUE_MIN_REPLICAS=1 costs: autocannon against POST /webhooks/midtrans with valid
 * signed bodies for distinct orders, once with the master's acknowledgement only (the default,
 * 0) and once waiting for one replica (Redis WAIT), on one server process and one Redis master
 * that has a synced replica (both started here on free ports, stopped by PID). Phases alternate
 * (0, 1, 0, 1 …) so machine noise hits both; the ratio is what to compare across machines.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { startRedisWithReplica } from '../test/harness/redis-topology.js';
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
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const prefix = `lunas-bench-${randomBytes(4).toString('hex')}`;
const bodies = signedBodies(200_000);

const redis = await startRedisWithReplica();
const server = await startBenchServer('bench/ingest-replicas-server.ts', {
  REDIS_URL: redis.url,
  QUEUE_PREFIX: prefix,
  MIDTRANS_SERVER_KEY: BENCH_SERVER_KEY,
  ENQUEUE_MIN_REPLICAS: '0',
});
const run = createPhaseRunner({ url: server.url, connections, bodies });

type Kind = 'min0' | 'min1';
const phase = (kind: Kind, seconds = duration): Promise<Phase> =>
  run(kind === 'min0' ? '/webhooks/midtrans' : '/bench/replicas/webhooks/midtrans', seconds);

const results: Record<Kind, Phase[]> = { min0: [], min1: [] };
try {
  await phase('min0', 2); // warm-up, not counted
  for (let round = 0; round < rounds; round += 1) {
    results.min0.push(await phase('min0'));
    results.min1.push(await phase('min1'));
  }
} finally {
  await server.stop();
  await redis.stop();
}

const summary = (kind: Kind) =>
  summarize(`POST /webhooks/midtrans, ENQUEUE_MIN_REPLICAS=${kind === 'min0' ? 0 : 1}`, results[kind]);
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
