/**
 * The operations surface against the running pipeline (API, worker, simulator): metrics move
 * when payments move, the console's event stream carries them live, a dropped notification is
 * fixed by the manual sync and shows in the timeline, dead letters are listed, and each alert
 * cause reaches a local receiver exactly once (delivery retried after a receiver error).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALERT_QUEUES } from '@lunas/core';
import type { PaymentEvent } from '@lunas/runtime';
import { startHealthServer } from '@lunas/worker';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment, readPayment, syncLogs } from '../harness/db.js';
import { notificationOf, postNotification, vaCharge } from '../harness/midtrans.js';
import {
  chargedOrder,
  startReconcileSystem,
  TEST_ADMIN_TOKEN,
  type ReconcileSystem,
} from '../harness/reconcile.js';
import { REDIS_URL } from '../harness/redis.js';
import { waitFor } from '../harness/wait-for.js';

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

let rs: ReconcileSystem;
let receiver: Server;
const received: { text: string }[] = [];
let refuseNext = 1;
let healthServer: Server;
let workerMetricsUrl: string;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      // The first delivery meets an outage: BullMQ must retry it.
      if (refuseNext > 0) {
        refuseNext -= 1;
        response.writeHead(503).end();
        return;
      }
      received.push(JSON.parse(body) as { text: string });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  rs = await startReconcileSystem({
    label: 'opse2e',
    env: {
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
      ALERT_STUCK_CHECK_MS: '0',
      ALERT_STUCK_AFTER_MINUTES: '0',
      NOTIFICATION_ATTEMPTS: '1',
      // Only the manual sync checks Midtrans in this file.
      RECONCILE_EVERY_MS: '600000',
      RECONCILE_MIN_AGE_MS: '600000',
    },
  });
  const worker = rs.system.worker;
  if (!worker) {
    throw new Error('no worker');
  }
  healthServer = await startHealthServer(0, '127.0.0.1', {
    isClosing: () => false,
    pingRedis: () => Promise.resolve(),
    pingPostgres: () => Promise.resolve(),
    metrics: () => worker.ops.metrics.render(),
  });
  workerMetricsUrl = `http://127.0.0.1:${(healthServer.address() as AddressInfo).port}/metrics`;
});

afterAll(async () => {
  healthServer?.close();
  await rs?.close();
  receiver?.close();
});

/** The value of one sample in a Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) {
      continue;
    }
    if (wanted.every((pair) => line.includes(pair))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return 0;
}

const apiMetrics = async () => (await rs.system.api.inject({ url: '/metrics' })).body;
const workerMetrics = async () => (await fetch(workerMetricsUrl)).text();

/** Opens GET /admin/events and collects its payment events. */
async function openEventStream(): Promise<{ events: PaymentEvent[]; close: () => void }> {
  const controller = new AbortController();
  const response = await fetch(`${rs.system.apiUrl}/admin/events`, {
    headers: auth,
    signal: controller.signal,
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const events: PaymentEvent[] = [];
  if (!response.body) {
    throw new Error('event stream has no body');
  }
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          return;
        }
        buffer += Buffer.from(value).toString('utf8');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (block.includes('event: payment') && data) {
            events.push(JSON.parse(data.slice(6)) as PaymentEvent);
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: () => controller.abort() };
}

describe('operations surface on the live pipeline', () => {
  it('moves the metrics and streams the event live when a payment is paid', async () => {
    const apiBefore = await apiMetrics();
    const workerBefore = await workerMetrics();
    const stream = await openEventStream();
    try {
      await chargedOrder(rs, 'OPS-PAY-1');
      await rs.sim.pay('OPS-PAY-1');
      await waitFor(
        async () => (await readPayment(rs.system.db.sql, 'OPS-PAY-1'))?.paymentStatus === 'PAID',
        { timeoutMs: 20_000, what: 'PAID' },
      );
      const event = await waitFor(
        () => stream.events.find((e) => e.orderCode === 'OPS-PAY-1' && e.to === 'PAID'),
        { timeoutMs: 15_000, what: 'live event' },
      );
      expect(event).toMatchObject({ outcome: 'applied', from: 'PENDING', reversal: false });
    } finally {
      stream.close();
    }
    const apiAfter = await apiMetrics();
    expect(sample(apiAfter, 'lunas_webhook_requests_total', { outcome: 'queued' })).toBeGreaterThanOrEqual(
      sample(apiBefore, 'lunas_webhook_requests_total', { outcome: 'queued' }) + 2,
    );
    expect(
      sample(apiAfter, 'lunas_enqueue_duration_seconds_count', { result: 'acknowledged' }),
    ).toBeGreaterThan(sample(apiBefore, 'lunas_enqueue_duration_seconds_count', { result: 'acknowledged' }));
    const workerAfter = await waitFor(
      async () => {
        const text = await workerMetrics();
        return sample(text, 'lunas_payment_transitions_total', { from: 'PENDING', to: 'PAID' }) >
          sample(workerBefore, 'lunas_payment_transitions_total', { from: 'PENDING', to: 'PAID' })
          ? text
          : null;
      },
      { what: 'transition metric' },
    );
    expect(
      sample(workerAfter, 'lunas_job_duration_seconds_count', {
        queue: 'payment-notifications',
        outcome: 'completed',
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(workerAfter).toContain('role="worker"');
  });

  it('fixes a dropped notification with the manual sync and shows every step in the timeline', async () => {
    await chargedOrder(rs, 'OPS-DROP-1');
    rs.sim.faults.set({ drop: true, times: 1 }, { orderId: 'OPS-DROP-1' });
    await rs.sim.pay('OPS-DROP-1');
    await rs.sim.idle();
    const stuck = await rs.system.api.inject({
      url: '/admin/payments/stuck?olderThanMinutes=0',
      headers: auth,
    });
    expect(stuck.json<{ payments: { orderCode: string }[] }>().payments.map((p) => p.orderCode)).toContain(
      'OPS-DROP-1',
    );

    const sync = await rs.system.api.inject({
      method: 'POST',
      url: '/admin/orders/OPS-DROP-1/sync-payment',
      headers: auth,
    });
    expect(sync.statusCode).toBe(200);
    expect(sync.json()).toMatchObject({
      updated: true,
      from: 'PENDING',
      to: 'PAID',
      midtransStatus: 'settlement',
    });

    const timeline = await rs.system.api.inject({ url: '/admin/orders/OPS-DROP-1/timeline', headers: auth });
    const body = timeline.json<{
      order: { orderStatus: string };
      entries: { source: string; outcome: string; toStatus: string | null }[];
    }>();
    expect(body.order.orderStatus).toBe('PAID');
    expect(body.entries.map((e) => e.source)).toContain('webhook');
    expect(body.entries).toContainEqual(
      expect.objectContaining({ source: 'manual', outcome: 'applied', toStatus: 'PAID' }),
    );
    expect(timeline.body).not.toContain('signature_key');

    const workerText = await workerMetrics();
    expect(sample(workerText, 'lunas_midtrans_requests_total', { result: 'found' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      sample(workerText, 'lunas_midtrans_request_duration_seconds_count', { result: 'found' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(workerText, 'lunas_job_duration_seconds_count', {
        queue: 'payment-reconcile',
        outcome: 'completed',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('delivers each alert cause to the receiver exactly once and lists the dead letter', async () => {
    const sql = rs.system.db.sql;
    const worker = rs.system.worker!;
    // amount rejected, seen twice: Midtrans's own settlement, then an edited replay of it
    // (another job id; Get Status confirms the same settlement, rejected again).
    const amount = await insertOrder(sql, 'OPS-AMT-1');
    await insertPayment(sql, amount.orderId);
    await vaCharge(rs.sim, 'OPS-AMT-1', 99000);
    await rs.sim.pay('OPS-AMT-1');
    await waitFor(async () => (await syncLogs(sql, 'OPS-AMT-1')).some((l) => l.outcome === 'rejected'), {
      what: 'amount rejected',
    });
    const replay = await postNotification(
      rs.system.webhookUrl,
      notificationOf(rs.sim, 'OPS-AMT-1', { transaction_status: 'capture' }),
    );
    expect(replay.status).toBe(200);
    // challenge: a card held for review by Midtrans's fraud check.
    const challenge = await insertOrder(sql, 'OPS-CHL-1');
    await insertPayment(sql, challenge.orderId);
    await rs.sim.charge({
      payment_type: 'credit_card',
      transaction_details: { order_id: 'OPS-CHL-1', gross_amount: 150000 },
      credit_card: { token_id: '4511111111111117' },
    });
    // reversal: settlement, then deny (Mandiri bill, where Midtrans documents it).
    const reversal = await insertOrder(sql, 'OPS-REV-1');
    await insertPayment(sql, reversal.orderId);
    await rs.sim.charge({
      payment_type: 'echannel',
      transaction_details: { order_id: 'OPS-REV-1', gross_amount: 150000 },
    });
    await rs.sim.pay('OPS-REV-1');
    await waitFor(async () => (await readPayment(sql, 'OPS-REV-1'))?.paymentStatus === 'PAID', {
      what: 'reversal order paid',
    });
    await rs.sim.reverse('OPS-REV-1');
    // dead letter: no order and no payment row, one attempt (only the settlement is delivered).
    rs.sim.faults.set({ drop: true, times: 1 }, { orderId: 'OPS-DEAD-1' });
    await vaCharge(rs.sim, 'OPS-DEAD-1');
    await rs.sim.pay('OPS-DEAD-1');
    // Midtrans 401 and an open circuit, each seen twice (the client is the outside world here).
    for (const kind of ['unauthorized', 'circuit_open', 'unauthorized', 'circuit_open'] as const) {
      const fake = worker.ops.observeMidtrans({
        getStatus: () =>
          Promise.resolve(
            kind === 'unauthorized' ? { kind, message: 'Unauthorized' } : { kind, retryInMs: 1000 },
          ),
      });
      await fake.getStatus('OPS-X');
    }
    // stuck payments (threshold 0 in this file), checked twice.
    await waitFor(async () => (await readPayment(sql, 'OPS-REV-1'))?.orderStatus === 'PAYMENT_REVERSED', {
      what: 'reversal applied',
    });
    await worker.ops.stuckWatch!.check();
    await worker.ops.stuckWatch!.check();

    const causes = [
      'amount rejected',
      'payment in CHALLENGE',
      'payment reversed',
      'ran out of retries',
      'Midtrans answered 401',
      'Midtrans circuit is open',
      'payment stuck PENDING',
    ];
    const missing = () => causes.filter((c) => !received.some((r) => r.text.includes(c)));
    await waitFor(() => missing().length === 0 || null, {
      timeoutMs: 20_000,
      what: 'every alert cause',
    }).catch((error: Error) => {
      throw new Error(`${error.message}; missing: ${missing().join(', ')}`);
    });
    // Nothing more is on its way: the alert queue is drained.
    const alertQueue = new Queue(ALERT_QUEUES.alerts, {
      connection: { url: REDIS_URL },
      prefix: rs.system.prefix,
    });
    try {
      await waitFor(
        async () => {
          const counts = await alertQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        },
        { timeoutMs: 15_000, what: 'alert queue drained' },
      );
    } finally {
      await alertQueue.close();
    }
    for (const cause of causes.slice(0, 6)) {
      expect({ cause, count: received.filter((r) => r.text.includes(cause)).length }).toEqual({
        cause,
        count: 1,
      });
    }
    const texts = received.map((r) => r.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts.join('\n')).not.toMatch(/signature|SB-Mid-server|hook|99000/);
    expect(
      sample(await workerMetrics(), 'lunas_alerts_total', {
        cause: 'amount_rejected',
        result: 'deduplicated',
      }),
    ).toBeGreaterThanOrEqual(1);

    const dead = await rs.system.api.inject({ url: '/admin/payments/dead-letters', headers: auth });
    const letters = dead.json<{ deadLetters: { orderCode: string; attempts: number; error: string }[] }>()
      .deadLetters;
    expect(letters).toContainEqual(expect.objectContaining({ orderCode: 'OPS-DEAD-1', attempts: 1 }));
    expect(dead.body).not.toContain('signature_key');
  });
});
