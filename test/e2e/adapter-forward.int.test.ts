// FORWARD_NOTIFICATION_URL during the cut-over: each accepted notification is passed, verbatim
// (signature_key and all, byte for byte), to the shop's old handler through a queue with
// retries. The old handler failing never delays the webhook's 200 or Lunas's own processing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FORWARD_QUEUES } from '@lunas/core';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment, readPayment } from '../harness/db.js';
import { notificationOf, vaCharge } from '../harness/midtrans.js';
import { REDIS_URL } from '../harness/redis.js';
import { startSystem, type TestSystem } from '../harness/system.js';
import { waitFor } from '../harness/wait-for.js';

let system: TestSystem;
let receiver: Server;
let forwardQueue: Queue;
/** What the old handler received, and how it answers the next request. */
const received: { body: string; contentType: string | undefined; answered: number }[] = [];
let answers: number[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answered = answers.shift() ?? 200;
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        contentType: req.headers['content-type'],
        answered,
      });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  system = await startSystem({
    label: 'fwd',
    env: {
      RECONCILE_ENABLED: 'false',
      FORWARD_NOTIFICATION_URL: `http://127.0.0.1:${port}/midtrans/old-handler`,
      FORWARD_BACKOFF_MS: '100',
      FORWARD_ATTEMPTS: '5',
    },
  });
  forwardQueue = new Queue(FORWARD_QUEUES.forward, { connection: { url: REDIS_URL }, prefix: system.prefix });
});
afterAll(async () => {
  await forwardQueue.close();
  await system.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

/** Posts a body exactly as given (its bytes are what the old handler must see). */
async function postRaw(raw: string): Promise<number> {
  const res = await fetch(system.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw,
  });
  await res.body?.cancel();
  return res.status;
}

describe('forwarding to the old handler', () => {
  it('delivers the raw body to a receiver that fails once, and removes the job once delivered', async () => {
    const order = await insertOrder(system.db.sql, 'FWD-1');
    await insertPayment(system.db.sql, order.orderId);
    const charge = await vaCharge(system.sim, 'FWD-1');
    await system.sim.pay(charge.transaction_id);
    // Odd spacing and key order: the forward must be the bytes, not a re-serialisation.
    const body = notificationOf(system.sim, 'FWD-1');
    const raw = `{ "order_id":"FWD-1",\n ${JSON.stringify(body)
      .slice(1)
      .replace(/"order_id":"FWD-1",?/, '')}`;
    expect(JSON.parse(raw)).toEqual(body);
    answers = [500];
    expect(await postRaw(raw)).toBe(200);
    await waitFor(() => received.filter((r) => r.answered === 200).length >= 1, {
      what: 'a delivered forward',
    });
    expect(received.map((r) => r.answered)).toEqual([500, 200]);
    expect(received.every((r) => r.body === raw)).toBe(true);
    expect(received[0]?.contentType).toBe('application/json');
    expect(received[0]?.body).toContain('"signature_key"');
    // Lunas applied it on its own side, whatever the old handler did.
    await waitFor(async () => (await readPayment(system.db.sql, 'FWD-1'))?.paymentStatus === 'PAID', {
      what: 'FWD-1 paid',
    });
    await waitFor(
      async () => (await forwardQueue.getJobCountByTypes('completed', 'waiting', 'delayed', 'active')) === 0,
      { what: 'the forward job removed' },
    );
  });

  it('an old handler that is down changes nothing for Lunas: 200 at once, the payment applied', async () => {
    const order = await insertOrder(system.db.sql, 'FWD-2');
    await insertPayment(system.db.sql, order.orderId);
    const charge = await vaCharge(system.sim, 'FWD-2');
    await system.sim.pay(charge.transaction_id);
    answers = [503, 503, 503, 503, 503];
    const started = Date.now();
    expect(await postRaw(JSON.stringify(notificationOf(system.sim, 'FWD-2')))).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    await waitFor(async () => (await readPayment(system.db.sql, 'FWD-2'))?.paymentStatus === 'PAID', {
      what: 'FWD-2 paid',
    });
    // Retried with backoff until its attempts ran out, then kept in the failed set.
    await waitFor(async () => (await forwardQueue.getJobCountByTypes('failed')) === 1, {
      what: 'the forward failed for good',
      timeoutMs: 15_000,
    });
    expect(received.filter((r) => r.answered === 503)).toHaveLength(5);
  });
});
