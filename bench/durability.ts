/**
 * `npm run bench:durability [-- --requests 4000 --kill-after-ms 1500]`
 *
 * What a Redis crash costs: the real API answers signed notifications while a Redis of our own
 * (AOF on) is SIGKILLed mid-stream and restarted from its AOF; then every notification that
 * was answered 200 is looked up. Run once with appendfsync everysec and once with always, in
 * the same run, so the two can be compared.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { QUEUES } from '@lunas/core';
import { computeSignature } from '@lunas/midtrans';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { freePort, waitUntil } from '../scripts/chaos/processes.js';
import { RUN_SOURCES } from '../scripts/run-sources.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '4000' },
    'kill-after-ms': { type: 'string', default: '1500' },
    concurrency: { type: 'string', default: '32' },
  },
});
const REQUESTS = Number(values.requests);
const KILL_AFTER = Number(values['kill-after-ms']);
const CONCURRENCY = Number(values.concurrency);
const KEY = 'SB-Mid-server-durability-bench';

function startRedis(port: number, dir: string, fsync: string): ChildProcess {
  return spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--appendfsync',
      fsync,
      '--save',
      '',
      '--dir',
      dir,
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
}

async function trial(fsync: 'everysec' | 'always') {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `lunas-dur-${fsync}-`));
  let redis = startRedis(port, dir, fsync);
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  probe.on('error', () => undefined);
  await waitUntil(async () => (await probe.ping()) === 'PONG', 10_000, 'redis');
  const apiPort = await freePort();
  const api = spawn(process.execPath, [...RUN_SOURCES, 'apps/api/src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      REDIS_URL: url,
      QUEUE_PREFIX: 'dur',
      MIDTRANS_SERVER_KEY: KEY,
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'fatal',
    },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${apiPort}`;
  await waitUntil(async () => (await fetch(`${base}/readyz`)).ok, 30_000, 'api');

  const acked: string[] = [];
  let refused = 0;
  let next = 0;
  const started = Date.now();
  let killedAt = 0;
  const killer = (async () => {
    await new Promise((resolve) => setTimeout(resolve, KILL_AFTER));
    killedAt = Date.now() - started;
    redis.kill('SIGKILL');
    await once(redis, 'exit');
  })();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS && (killedAt === 0 || Date.now() - started < killedAt + 200)) {
        const i = next++;
        const body: Record<string, string> = {
          order_id: `DUR-${fsync}-${i}`,
          status_code: '200',
          gross_amount: '10000.00',
          transaction_id: `dur-${fsync}-${i}`,
          transaction_status: 'settlement',
        };
        body.signature_key = computeSignature(
          { order_id: body.order_id!, status_code: '200', gross_amount: '10000.00' },
          KEY,
        );
        const res = await fetch(`${base}/webhooks/midtrans`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).catch(() => null);
        if (res?.status === 200) {
          acked.push(((await res.json()) as { jobId: string }).jobId);
        } else {
          refused += 1;
        }
      }
    }),
  );
  await killer;
  redis = startRedis(port, dir, fsync);
  await waitUntil(async () => (await probe.ping()) === 'PONG', 20_000, 'redis restarted from its AOF');
  const queue = new Queue(QUEUES.notifications, { connection: { url }, prefix: 'dur' });
  let lost = 0;
  for (const id of acked) {
    if (!(await queue.getJob(id))) {
      lost += 1;
    }
  }
  await queue.close();
  api.kill('SIGTERM');
  await once(api, 'exit');
  probe.disconnect();
  redis.kill('SIGTERM');
  await once(redis, 'exit');
  return {
    appendfsync: fsync,
    'acknowledged (200)': acked.length,
    'refused (503/no answer)': refused,
    'acknowledged but lost': lost,
    'killed after ms': killedAt,
  };
}

const results = [await trial('everysec'), await trial('always')];
console.table(results);
