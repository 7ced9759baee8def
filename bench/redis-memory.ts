/**
 * `npm run bench:redis-memory [-- --jobs 20000 --failed-jobs 5000]`
 *
 * What one notification costs in Redis (docs/decisions/0016-notification-retention.md). On a
 * unique prefix of the real Redis, N distinct, signed Midtrans settlement notifications go
 * through the API's own ingest (ingestNotification + createEnqueue: the same job name, data
 * and options as the webhook), then a BullMQ Worker with a no-op processor completes them.
 * Each retention variant runs in the same process, one after the other, on its own prefix:
 *
 *   - kept-7d:   the previous options (removeOnComplete { age: 7 days }): bytes per waiting
 *                job, and per kept completed job;
 *   - chosen:    notificationJobOptions as it now is (age and count), with the count lowered
 *                to N/4 here so that the bound shows within N jobs; once the completed set is
 *                at the count, the next completion trims it back in the same script;
 *   - dedup-ttl: BullMQ deduplication { id: jobId, ttl } with removeOnComplete: true (the
 *                alternative: a small key per notification instead of the kept job);
 *   - remove:    removeOnComplete: true (nothing kept);
 *   - failed-before / failed: dead letters: a processor that throws, 13 attempts with no
 *                backoff; before, each attempt left its stack trace on the job; now only the
 *                last one is kept (stackTraceLimit 1).
 *
 * Bytes come two ways: the delta of INFO memory used_memory over the phase (everything, but
 * this Redis is shared with other work, so it is noisy), and MEMORY USAGE (SAMPLES 0) of every
 * key under the prefix, by kind (job hashes, state sets, dedup keys, the events stream, which
 * BullMQ trims to about 10,000 entries per queue and so is a fixed cost, not per notification).
 * It also times the upgrade cost: one completion under a count that has to trim the N jobs the
 * kept-7d variant left (one Lua script call, which blocks Redis while it runs).
 *
 * Prints a table and writes bench/results/redis-memory-<time>.json (git-ignored). Cleans up.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEnqueue, ingestNotification } from '@lunas/api';
import {
  JOBS,
  NOTIFICATION_RETRY_DEFAULTS,
  notificationJobOptions,
  QUEUES,
  type NotificationJobData,
  type NotificationRetryPolicy,
} from '@lunas/core';
import { buildNotification, createSimulator } from '@lunas/simulator';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { deletePrefix, REDIS_URL, testPrefix } from '../test/harness/redis.js';
import { REPO_ROOT } from '../test/harness/system.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20000' },
    'failed-jobs': { type: 'string' },
    concurrency: { type: 'string', default: '50' },
  },
});
const N = Number(values.jobs);
const FAILED_N = Number(values['failed-jobs'] ?? Math.max(1, Math.floor(N / 4)));
const CONCURRENCY = Number(values.concurrency);
const SERVER_KEY = 'SB-Mid-server-bench-redis-memory-0';
const DAY_S = 24 * 3600;

type Options = ReturnType<typeof notificationJobOptions> | Record<string, unknown>;

interface Variant {
  readonly name: string;
  readonly jobs: number;
  readonly options: (jobId: string) => Options;
  /** The processor throws: every job becomes a dead letter. */
  readonly fail?: boolean;
}

const PREVIOUS_POLICY: NotificationRetryPolicy = {
  attempts: 13,
  backoffMs: 1_000,
  keepCompletedSeconds: 7 * DAY_S,
};
const CHOSEN_COUNT = Math.max(1, Math.floor(N / 4));

const VARIANTS: readonly Variant[] = [
  { name: 'kept-7d', jobs: N, options: (id) => notificationJobOptions(id, PREVIOUS_POLICY) },
  {
    name: 'chosen',
    jobs: N,
    options: (id) =>
      notificationJobOptions(id, { ...NOTIFICATION_RETRY_DEFAULTS, keepCompletedCount: CHOSEN_COUNT }),
  },
  {
    name: 'dedup-ttl',
    jobs: N,
    options: (id) => ({
      ...notificationJobOptions(id, NOTIFICATION_RETRY_DEFAULTS),
      deduplication: { id, ttl: DAY_S * 1000 },
      removeOnComplete: true,
    }),
  },
  {
    name: 'remove',
    jobs: N,
    options: (id) => ({ ...notificationJobOptions(id, NOTIFICATION_RETRY_DEFAULTS), removeOnComplete: true }),
  },
  {
    name: 'failed-before',
    jobs: FAILED_N,
    fail: true,
    options: (id) => {
      const { stackTraceLimit: _limit, ...previous } = notificationJobOptions(id, PREVIOUS_POLICY);
      return { ...previous, backoff: { type: 'fixed', delay: 0 } };
    },
  },
  {
    name: 'failed',
    jobs: FAILED_N,
    fail: true,
    options: (id) => ({
      ...notificationJobOptions(id, NOTIFICATION_RETRY_DEFAULTS),
      backoff: { type: 'fixed', delay: 0 },
    }),
  },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A settled BCA VA notification as the simulator sends it, made distinct per index. */
async function settlementTemplate(): Promise<Record<string, unknown>> {
  const sim = await createSimulator({ serverKey: SERVER_KEY, logger: false });
  try {
    await sim.charge({
      payment_type: 'bank_transfer',
      transaction_details: { order_id: 'TEMPLATE-1', gross_amount: 150000 },
      bank_transfer: { bank: 'bca' },
    });
    const paid = await sim.pay('TEMPLATE-1');
    const { status_code: _c, status_message: _m, signature_key: _s, ...fields } = paid;
    return fields;
  } finally {
    await sim.close();
  }
}

function bodies(template: Record<string, unknown>, count: number, tag: string): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify(
      buildNotification(
        {
          ...(template as { transaction_status: string; gross_amount: string }),
          order_id: `ORD-${tag}-${String(i).padStart(7, '0')}`,
          transaction_id: randomUUID(),
          va_numbers: [{ bank: 'bca', va_number: String(10_000_000_000 + i) }],
        },
        SERVER_KEY,
      ),
    ),
  );
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  return Number(match?.[1] ?? Number.NaN);
}

/** used_memory once the allocator settles: the smallest of a few reads (others share this Redis). */
async function settledMemory(redis: Redis): Promise<number> {
  const reads: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    await sleep(150);
    reads.push(await usedMemory(redis));
  }
  return Math.min(...reads);
}

interface KeyAccount {
  readonly keys: number;
  readonly jobHashes: { count: number; bytes: number };
  readonly dedupKeys: { count: number; bytes: number };
  /** wait, completed, failed, delayed, … (the sets and lists that index jobs). */
  readonly stateSets: Record<string, number>;
  readonly eventsStream: number;
  readonly other: number;
}

/** MEMORY USAGE (SAMPLES 0) of every key under the queue, by kind. */
async function accountKeys(redis: Redis, queueKey: string): Promise<KeyAccount> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${queueKey}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const account = {
    keys: keys.length,
    jobHashes: { count: 0, bytes: 0 },
    dedupKeys: { count: 0, bytes: 0 },
    stateSets: {} as Record<string, number>,
    eventsStream: 0,
    other: 0,
  };
  for (let i = 0; i < keys.length; i += 1000) {
    const slice = keys.slice(i, i + 1000);
    const pipeline = redis.pipeline();
    for (const key of slice) {
      pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
    }
    const results = (await pipeline.exec()) ?? [];
    slice.forEach((key, j) => {
      const bytes = Number(results[j]?.[1] ?? 0);
      const name = key.slice(queueKey.length + 1);
      if (/^(ntf|bench)-/.test(name)) {
        account.jobHashes.count += 1;
        account.jobHashes.bytes += bytes;
      } else if (name.startsWith('de:')) {
        account.dedupKeys.count += 1;
        account.dedupKeys.bytes += bytes;
      } else if (name === 'events') {
        account.eventsStream += bytes;
      } else if (
        ['wait', 'completed', 'failed', 'delayed', 'active', 'prioritized', 'paused'].includes(name)
      ) {
        account.stateSets[name] = (account.stateSets[name] ?? 0) + bytes;
      } else {
        account.other += bytes;
      }
    });
  }
  return account;
}

/** Bytes the jobs themselves hold: job hashes, dedup keys and the state sets (no events, no meta). */
function jobBytes(account: KeyAccount): number {
  return (
    account.jobHashes.bytes +
    account.dedupKeys.bytes +
    Object.values(account.stateSets).reduce((sum, bytes) => sum + bytes, 0)
  );
}

interface PhaseResult {
  readonly variant: string;
  readonly phase: 'waiting' | 'finished';
  readonly notifications: number;
  readonly jobsHeld: number;
  readonly dedupKeysHeld: number;
  readonly usedMemoryDelta: number;
  readonly infoBytesPerNotification: number;
  readonly keyBytesPerNotification: number;
  readonly keyBytesPerHeldJob: number | null;
  readonly meanJobHashBytes: number | null;
  readonly eventsStreamBytes: number;
  readonly account: KeyAccount;
}

function phaseResult(
  variant: Variant,
  phase: PhaseResult['phase'],
  delta: number,
  account: KeyAccount,
): PhaseResult {
  const held = account.jobHashes.count;
  return {
    variant: variant.name,
    phase,
    notifications: variant.jobs,
    jobsHeld: held,
    dedupKeysHeld: account.dedupKeys.count,
    usedMemoryDelta: delta,
    infoBytesPerNotification: Math.round(delta / variant.jobs),
    keyBytesPerNotification: Math.round(jobBytes(account) / variant.jobs),
    keyBytesPerHeldJob: held > 0 ? Math.round(jobBytes(account) / held) : null,
    meanJobHashBytes: held > 0 ? Math.round(account.jobHashes.bytes / held) : null,
    eventsStreamBytes: account.eventsStream,
    account,
  };
}

async function ingestAll(queue: Queue, variant: Variant, all: readonly string[]): Promise<void> {
  const enqueue = createEnqueue(queue, 30_000);
  // The API's own ingest, with the variant's job options in place of notificationJobOptions.
  const deps = {
    serverKey: SERVER_KEY,
    retryPolicy: NOTIFICATION_RETRY_DEFAULTS,
    enqueue: (data: NotificationJobData, opts: ReturnType<typeof notificationJobOptions>) =>
      enqueue(data, variant.options(opts.jobId) as typeof opts),
  };
  for (let i = 0; i < all.length; i += 1_000) {
    const outcomes = await Promise.all(all.slice(i, i + 1_000).map((body) => ingestNotification(deps, body)));
    const refused = outcomes.find((o) => o.kind !== 'accepted');
    if (refused) {
      throw new Error(`ingest refused a notification: ${JSON.stringify(refused)}`);
    }
  }
}

async function drain(prefix: string, variant: Variant): Promise<void> {
  let finished = 0;
  const worker = new Worker(
    QUEUES.notifications,
    (job: Job) =>
      variant.fail
        ? Promise.reject(new Error(`Get Status failed for ${job.id ?? ''}: 503 Service Unavailable`))
        : Promise.resolve(undefined),
    {
      connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
      prefix,
      concurrency: CONCURRENCY,
    },
  );
  worker.on('completed', () => {
    finished += 1;
  });
  worker.on('failed', (job) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      finished += 1;
    }
  });
  const deadline = Date.now() + 600_000;
  while (finished < variant.jobs) {
    if (Date.now() > deadline) {
      throw new Error(`${variant.name}: only ${finished} of ${variant.jobs} finished`);
    }
    await sleep(100);
  }
  await worker.close();
}

/** One completion under a count that must trim `held` kept jobs: the upgrade from kept-7d. */
async function timeTrim(
  redis: Redis,
  prefix: string,
  held: number,
): Promise<{ removed: number; ms: number }> {
  const queue = new Queue(QUEUES.notifications, { connection: redis, prefix });
  const worker = new Worker(QUEUES.notifications, () => Promise.resolve(undefined), {
    connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
    prefix,
    autorun: false,
  });
  const done = new Promise<number>((resolve) => worker.on('completed', () => resolve(performance.now())));
  await queue.add(
    JOBS.processNotification,
    { rawBody: '{}', receivedAt: new Date().toISOString() },
    {
      jobId: 'bench-trim',
      removeOnComplete: { age: DAY_S, count: 1 },
    },
  );
  // Baseline: the same completion with nothing to trim is well under a millisecond of Redis time.
  const started = performance.now();
  void worker.run();
  const ended = await done;
  await worker.close();
  await queue.close();
  return { removed: held, ms: ended - started };
}

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

async function main(): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const template = await settlementTemplate();
  const sample = bodies(template, 1, 'sample')[0] ?? '';
  const results: PhaseResult[] = [];
  const prefixes: string[] = [];
  let trim: { removed: number; ms: number } | null = null;
  try {
    for (const variant of VARIANTS) {
      const prefix = testPrefix(`redismem-${variant.name}`);
      prefixes.push(prefix);
      const queue = new Queue(QUEUES.notifications, { connection: redis, prefix });
      const queueKey = `${prefix}:${QUEUES.notifications}`;
      const all = bodies(template, variant.jobs, variant.name);
      await queue.waitUntilReady();
      const base = await settledMemory(redis);
      await ingestAll(queue, variant, all);
      const afterAdd = await settledMemory(redis);
      results.push(phaseResult(variant, 'waiting', afterAdd - base, await accountKeys(redis, queueKey)));
      await drain(prefix, variant);
      const afterDrain = await settledMemory(redis);
      results.push(phaseResult(variant, 'finished', afterDrain - base, await accountKeys(redis, queueKey)));
      if (variant.name === 'kept-7d') {
        trim = await timeTrim(redis, prefix, variant.jobs);
      }
      await queue.close();
      await deletePrefix(prefix);
      process.stderr.write(`${variant.name}: done\n`);
    }
  } finally {
    for (const prefix of prefixes) {
      await deletePrefix(prefix);
    }
    redis.disconnect();
  }

  const kept = results.find((r) => r.variant === 'kept-7d' && r.phase === 'finished');
  const waiting = results.find((r) => r.variant === 'kept-7d' && r.phase === 'waiting');
  const dedup = results.find((r) => r.variant === 'dedup-ttl' && r.phase === 'finished');
  const perKept = kept?.keyBytesPerHeldJob ?? 0;
  const sizing = {
    ratePerSecond: 1_000,
    keptCompletedBytes: perKept,
    waitingBytes: waiting?.keyBytesPerHeldJob ?? 0,
    /** The previous retention, 7 days at 1,000/s. */
    previous7dBytes: perKept * 1_000 * 7 * DAY_S,
    /** The chosen bound: at most keepCompletedCount completed jobs whatever the rate. */
    chosenCount: NOTIFICATION_RETRY_DEFAULTS.keepCompletedCount,
    chosenBoundBytes: perKept * NOTIFICATION_RETRY_DEFAULTS.keepCompletedCount,
    chosenWindowAtRateS: NOTIFICATION_RETRY_DEFAULTS.keepCompletedCount / 1_000,
    dedupKeyBytesPerNotification: dedup?.keyBytesPerNotification ?? 0,
    /** A worker outage at 1,000/s: waiting jobs per minute. */
    backlogBytesPerMinute: (waiting?.keyBytesPerHeldJob ?? 0) * 1_000 * 60,
  };

  console.table(
    results.map((r) => ({
      variant: r.variant,
      phase: r.phase,
      notifications: r.notifications,
      'jobs held': r.jobsHeld,
      'dedup keys': r.dedupKeysHeld,
      'INFO B/notif': r.infoBytesPerNotification,
      'keys B/notif': r.keyBytesPerNotification,
      'keys B/held job': r.keyBytesPerHeldJob ?? '-',
      'job hash B': r.meanJobHashBytes ?? '-',
      'events stream': human(r.eventsStreamBytes),
    })),
  );
  console.log(`body: ${sample.length} B raw; job data: rawBody without signature_key + receivedAt + seal`);
  if (trim) {
    console.log(
      `upgrade trim: one completion removing ${trim.removed} kept jobs took ${trim.ms.toFixed(0)} ms`,
    );
  }
  console.log(
    `at 1,000/s: 7 days kept = ${human(sizing.previous7dBytes)}; chosen bound ${sizing.chosenCount} completed = ${human(sizing.chosenBoundBytes)} (${sizing.chosenWindowAtRateS} s of window at that rate); backlog ${human(sizing.backlogBytesPerMinute)} per minute of worker outage`,
  );

  const outDir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `redis-memory-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const redisInfo = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const server = await redisInfo.info('server');
  redisInfo.disconnect();
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        when: new Date().toISOString(),
        machine: { host: hostname(), cpus: cpus().length, cpu: cpus()[0]?.model, memBytes: totalmem() },
        redis: /^redis_version:(.*)$/m.exec(server)?.[1]?.trim(),
        jobs: N,
        failedJobs: FAILED_N,
        chosenCountInBench: CHOSEN_COUNT,
        sampleBodyBytes: sample.length,
        results,
        trim,
        sizing,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${file}`);
}

await main();
process.exit(0);
