/**
 * `npm run bench:ingest [-- --duration 10 --connections 50 --rounds 2]`
 * `npm run bench:ingest -- --profile [--duration 10]`
 *
 * autocannon against POST /webhooks/midtrans with valid signed bodies for distinct orders and,
 * in the same run and server, a trivial route. Phases alternate (trivial, webhook, trivial, …)
 * so machine noise hits both; the ratio is what to compare across machines.
 *
 * With --profile: each route in a server of its own run under node --cpu-prof (one phase after
 * a warm-up), and the profile's self time summed by package and function (profile-summary.ts)
 * per request, with what Redis spent per request (INFO commandstats, read before and after;
 * the Redis is shared, so other clients' commands count too). The difference between the two
 * routes is what the webhook costs beyond Fastify's own work.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { deletePrefix } from '../test/harness/redis.js';
import { printProfile, summarizeProfile } from './profile-summary.js';
import {
  BENCH_SERVER_KEY,
  commandStats,
  commandStatsDelta,
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
    profile: { type: 'boolean', default: false },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `lunas-bench-${randomBytes(4).toString('hex')}`;
const bodies = signedBodies(Number(values.bodies));

type Kind = 'trivial' | 'webhook' | 'unbatched' | 'noqueue' | 'xadd';
const PATHS: Record<Kind, string> = {
  trivial: '/bench/trivial',
  webhook: '/webhooks/midtrans',
  unbatched: '/bench/unbatched/webhooks/midtrans',
  noqueue: '/bench/no-queue/webhooks/midtrans',
  xadd: '/bench/xadd/webhooks/midtrans',
};
const TRIVIAL_BODY = '{"ping":true}';

if (values.profile) {
  await profileRoutes();
  process.exit(0);
}

async function profileRoutes(): Promise<void> {
  const redis = new Redis(redisUrl);
  const dir = `bench/results/prof-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  mkdirSync(dir, { recursive: true });
  for (const kind of ['trivial', 'webhook'] as const) {
    const server = await startBenchServer('bench/ingest-server.ts', {
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      MIDTRANS_SERVER_KEY: BENCH_SERVER_KEY,
      BENCH_PROFILE: '1',
    });
    const run = createPhaseRunner({ url: server.url, connections, bodies });
    const body = kind === 'trivial' ? TRIVIAL_BODY : undefined;
    await run(PATHS[kind], 3, body); // warm-up, not profiled
    await fetch(`${server.url}/bench/profile/start`, { method: 'POST' });
    const before = await commandStats(redis);
    const phase = await run(PATHS[kind], duration, body);
    const after = await commandStats(redis);
    const file = `${dir}/${kind}.cpuprofile`;
    const stopped = await fetch(`${server.url}/bench/profile/stop?file=${encodeURIComponent(file)}`, {
      method: 'POST',
    });
    const { cpuUs } = (await stopped.json()) as { cpuUs: number };
    await server.stop();
    console.log(
      `\n${PATHS[kind]}: ${Math.round(phase.rps)} req/s, p99 ${phase.p99} ms, ${phase.requests} requests, ` +
        `API process CPU ${(cpuUs / phase.requests).toFixed(1)} µs per request (user + system)`,
    );
    printProfile(summarizeProfile(file, { requests: phase.requests, cpuUs }));
    console.log('Redis commandstats during the phase (shared Redis: other clients count too):');
    console.table(commandStatsDelta(before, after, phase.requests));
  }
  redis.disconnect();
  await deletePrefix(prefix, redisUrl);
}

const server = await startBenchServer(
  'bench/ingest-server.ts',
  { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, MIDTRANS_SERVER_KEY: BENCH_SERVER_KEY },
  process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=artifacts/prof'] : [],
);
const run = createPhaseRunner({ url: server.url, connections, bodies });

const phase = (kind: Kind): Promise<Phase> =>
  run(PATHS[kind], duration, kind === 'trivial' ? TRIVIAL_BODY : undefined);

const results: Record<Kind, Phase[]> = { trivial: [], webhook: [], unbatched: [], noqueue: [], xadd: [] };
try {
  await phase('trivial'); // warm-up, not counted
  for (let round = 0; round < rounds; round += 1) {
    results.trivial.push(await phase('trivial'));
    results.webhook.push(await phase('webhook'));
    results.unbatched.push(await phase('unbatched'));
    results.noqueue.push(await phase('noqueue'));
    results.xadd.push(await phase('xadd'));
  }
} finally {
  await server.stop();
  await deletePrefix(prefix, redisUrl);
}

const ROUTES: Record<Kind, string> = {
  trivial: 'POST /bench/trivial',
  webhook: 'POST /webhooks/midtrans (batched)',
  unbatched: 'same, one add per request',
  noqueue: 'same, no queue (job dropped)',
  xadd: 'same, one plain XADD instead of BullMQ',
};
const summary = (kind: Kind) => summarize(ROUTES[kind], results[kind]);
const trivial = summary('trivial');
const webhook = summary('webhook');
const unbatched = summary('unbatched');
const noqueue = summary('noqueue');
const xadd = summary('xadd');
const ratio = (a: { 'req/s': number }, b: { 'req/s': number }) => (a['req/s'] / b['req/s']).toFixed(2);
console.table([trivial, webhook, unbatched, noqueue, xadd]);
console.log(
  `ratio webhook/trivial: ${ratio(webhook, trivial)}x; unbatched/trivial: ${ratio(unbatched, trivial)}x; batched/unbatched: ${ratio(webhook, unbatched)}x; no-queue/trivial: ${ratio(noqueue, trivial)}x; xadd/trivial: ${ratio(xadd, trivial)}x  (connections ${connections}, ${rounds} x ${duration}s per route)`,
);
if (webhook.non2xx + unbatched.non2xx > 0 || webhook.errors + unbatched.errors > 0) {
  console.error('webhook phase had non-2xx answers or errors');
  process.exitCode = 1;
}
