/**
 * Driver errors against real Postgres and real BullMQ: a bug (CHECK or unique violation,
 * undefined column) fails the job on its first attempt with a `permanent: ` message; an outage,
 * and the one unique violation a concurrent shop insert can cause, are still retried.
 */
import { deadLetterCause, PERMANENT_FAILURE_PREFIX } from '@lunas/core';
import { createSql, type Sql } from '@lunas/db';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, insertOrder, type TestDatabase } from '../../../../test/harness/db.js';
import { deletePrefix, REDIS_URL, testPrefix } from '../../../../test/harness/redis.js';
import { failFastOnDbBugs } from './fail-fast.js';

let db: TestDatabase;
let unreachable: Sql;
const prefix = testPrefix('failfast');
const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
let queue: Queue;
let events: QueueEvents;
let worker: Worker;

const statements: Record<string, (sql: Sql) => Promise<unknown>> = {
  undefinedColumn: (sql) => sql`SELECT no_such_column FROM orders`,
  checkViolation: async (sql) => {
    const order = await insertOrder(sql, `FF-CHECK-${Date.now()}`);
    return sql`INSERT INTO order_payments (order_id, source) VALUES (${order.orderId}, 'bogus')`;
  },
  uniqueViolation: async (sql) => {
    const code = `FF-UNIQUE-${Date.now()}`;
    await insertOrder(sql, code);
    return insertOrder(sql, code);
  },
  transactionRace: async (sql) => {
    const order = await insertOrder(sql, `FF-RACE-${Date.now()}`);
    const transactionId = `ff-race-${Date.now()}`;
    await sql`INSERT INTO order_payments (order_id, transaction_id) VALUES (${order.orderId}, ${transactionId})`;
    return sql`INSERT INTO order_payments (order_id, transaction_id) VALUES (${order.orderId}, ${transactionId})`;
  },
  outage: (_sql) => unreachable`SELECT 1`,
};

beforeAll(async () => {
  db = await createTestDatabase('failfast');
  // Nothing listens on port 1: every statement fails to connect (ECONNREFUSED).
  unreachable = createSql({
    url: 'postgres://postgres@127.0.0.1:1/none',
    applicationName: 'lunas-test',
    max: 1,
    connectTimeoutSeconds: 1,
  });
  queue = new Queue('fail-fast', { connection, prefix });
  events = new QueueEvents('fail-fast', { connection, prefix });
  await events.waitUntilReady();
  worker = new Worker(
    'fail-fast',
    failFastOnDbBugs(async (job: Job<{ statement: string }>) => {
      await statements[job.data.statement]?.(db.sql);
      return 'ok';
    }),
    { connection, prefix },
  );
});

afterAll(async () => {
  await worker?.close();
  await events?.close();
  await queue?.close();
  await unreachable?.end({ timeout: 1 });
  await db?.drop();
  await deletePrefix(prefix);
});

async function run(statement: string): Promise<Job> {
  const job = await queue.add('run', { statement }, { attempts: 4, backoff: { type: 'fixed', delay: 20 } });
  await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow();
  const done = await queue.getJob(job.id ?? '');
  if (!done) {
    throw new Error('job gone');
  }
  return done;
}

describe('failFastOnDbBugs', () => {
  it.each([
    ['undefinedColumn', '42703'],
    ['checkViolation', '23514'],
    ['uniqueViolation', '23505'],
  ])('a %s fails at once as permanent (SQLSTATE %s)', async (statement, code) => {
    const job = await run(statement);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason.startsWith(PERMANENT_FAILURE_PREFIX)).toBe(true);
    expect(job.failedReason).toContain(`SQLSTATE ${code}`);
    expect(deadLetterCause(job.failedReason)).toBe('permanent');
  });

  it.each([
    ['an outage', 'outage'],
    ['a concurrent insert of the same transaction id', 'transactionRace'],
  ])('%s is retried for every attempt', async (_what, statement) => {
    const job = await run(statement);
    expect(job.attemptsMade).toBe(4);
    expect(job.failedReason.startsWith(PERMANENT_FAILURE_PREFIX)).toBe(false);
    expect(deadLetterCause(job.failedReason)).toBe('transient');
  });
});
