// Payment events for the shop (docs/events.md): written with each applied transition, delivered
// to a receiver signed by Standard Webhooks, retried with the same webhook-id, in order per
// order, re-deliverable from the admin API once exhausted, and served by GET /events.
import { randomBytes } from 'node:crypto';
import { deliveredEventSchema } from '@lunas/core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrder, insertPayment, readPayment } from '../harness/db.js';
import { notificationOf, postNotification, vaCharge } from '../harness/midtrans.js';
import { TEST_ADMIN_TOKEN } from '../harness/reconcile.js';
import { startSystem, type TestSystem } from '../harness/system.js';
import { waitFor } from '../harness/wait-for.js';
import {
  newWebhookSecret,
  orderViolations,
  startEventReceiver,
  type EventReceiver,
} from '../../scripts/chaos/event-receiver.js';

const SECRET = newWebhookSecret(randomBytes(24));
const SHOP_TOKEN = `shop-${randomBytes(20).toString('hex')}`;

interface EventRowView {
  id: string;
  type: string;
  orderCode: string;
  deliveredAt: Date | null;
  exhaustedAt: Date | null;
  attempts: number;
}

describe('payment events to the shop', () => {
  let receiver: EventReceiver;
  let system: TestSystem;
  const eventsOf = (orderCode: string) =>
    system.db.sql<EventRowView[]>`
      SELECT id::text AS id, type, order_code AS "orderCode", delivered_at AS "deliveredAt",
             exhausted_at AS "exhaustedAt", attempts
      FROM payment_events e WHERE order_code = ${orderCode} ORDER BY e.id`;
  const notify = async (orderCode: string) => {
    const answer = await postNotification(system.webhookUrl, notificationOf(system.sim, orderCode));
    expect(answer.status).toBe(200);
  };
  const paidOrder = async (orderCode: string, method: 'va' | 'gopay' = 'va') => {
    const order = await insertOrder(system.db.sql, orderCode);
    await insertPayment(system.db.sql, order.orderId);
    if (method === 'gopay') {
      // Refundable at the simulator.
      await system.sim.charge({
        payment_type: 'gopay',
        transaction_details: { order_id: orderCode, gross_amount: 150000 },
      });
    } else {
      await vaCharge(system.sim, orderCode);
    }
    await system.sim.pay(orderCode);
    await notify(orderCode);
    await waitFor(async () => (await readPayment(system.db.sql, orderCode))?.orderStatus === 'PAID', {
      what: `${orderCode} PAID`,
    });
  };
  const allDelivered = (orderCode: string, count: number) =>
    waitFor(
      async () => {
        const rows = await eventsOf(orderCode);
        return rows.length === count && rows.every((r) => r.deliveredAt !== null) ? rows : null;
      },
      { timeoutMs: 20_000, what: `${count} events of ${orderCode} delivered` },
    );
  const admin = (path: string, body?: unknown) =>
    fetch(`${system.apiUrl}/admin${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    receiver = await startEventReceiver(SECRET);
    system = await startSystem({
      label: 'events',
      env: {
        EVENTS_WEBHOOK_URL: receiver.url,
        EVENTS_WEBHOOK_SECRET: SECRET,
        EVENTS_DELIVERY_ATTEMPTS: '3',
        EVENTS_DELIVERY_BACKOFF_MS: '100',
        EVENTS_RELAY_INTERVAL_MS: '50',
        EVENTS_WEBHOOK_TIMEOUT_MS: '2000',
        SHOP_API_TOKEN: SHOP_TOKEN,
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      },
    });
  });
  afterAll(async () => {
    await system.close();
    await receiver.close();
  });

  it('delivers each event with a signature a Standard Webhooks verifier accepts', async () => {
    await paidOrder('EV-1');
    const rows = await allDelivered('EV-1', 2);
    expect(rows.map((r) => r.type)).toEqual(['payment.paid', 'order.paid']);
    const got = receiver.received.filter((r) => r.event?.data.order_code === 'EV-1');
    expect(got.map((r) => r.webhookId)).toEqual(rows.map((r) => `evt_${r.id}`));
    for (const r of got) {
      // The receiver's own check, and a fresh verifier over the raw body and the three headers.
      const verified = new Webhook(SECRET).verify(r.body, {
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      });
      expect(deliveredEventSchema.parse(verified).id).toBe(r.webhookId);
      expect(() =>
        new Webhook(newWebhookSecret(randomBytes(24))).verify(r.body, {
          'webhook-id': String(r.headers['webhook-id']),
          'webhook-timestamp': String(r.headers['webhook-timestamp']),
          'webhook-signature': String(r.headers['webhook-signature']),
        }),
      ).toThrow();
    }
    expect(got[0]?.event).toMatchObject({
      type: 'payment.paid',
      data: {
        order_code: 'EV-1',
        from_status: 'PENDING',
        to_status: 'PAID',
        gross_amount: '150000.00',
        currency: 'IDR',
        payment_type: 'bank_transfer',
      },
    });
  });

  it('retries a receiver that fails twice with the same webhook-id, and holds the next event back', async () => {
    receiver.respond = ({ event, attempt }) =>
      event?.data.order_code === 'EV-2' && event.type === 'payment.paid' && attempt <= 2 ? 500 : undefined;
    try {
      await paidOrder('EV-2');
      const rows = await allDelivered('EV-2', 2);
      const paid = rows[0]!;
      const tries = receiver.received.filter((r) => r.webhookId === `evt_${paid.id}`);
      expect(tries.map((r) => r.status)).toEqual([500, 500, 200]);
      expect(new Set(tries.map((r) => r.headers['webhook-id']))).toEqual(new Set([`evt_${paid.id}`]));
      expect(tries.every((r) => r.event !== null)).toBe(true);
      expect(paid.attempts).toBe(3);
      // order.paid was first sent only after payment.paid got its 2xx.
      const orderPaid = receiver.received.find((r) => r.webhookId === `evt_${rows[1]!.id}`)!;
      expect(orderPaid.at).toBeGreaterThanOrEqual(tries[2]!.at);
    } finally {
      receiver.respond = () => undefined;
    }
  });

  it('delivers the events of each order in order, orders in parallel, through failures', async () => {
    // The first attempt of every other event fails: retries everywhere, orders overtake one another.
    receiver.respond = ({ event, webhookId, attempt }) =>
      String(event?.data.order_code).startsWith('EV-SEQ') &&
      attempt === 1 &&
      Number(webhookId.slice(4)) % 2 === 1
        ? 503
        : undefined;
    try {
      const codes = ['EV-SEQ-1', 'EV-SEQ-2', 'EV-SEQ-3'];
      await Promise.all(codes.map((code) => paidOrder(code, 'gopay')));
      for (const step of [1, 2]) {
        await Promise.all(
          codes.map(async (code) => {
            await system.sim.refund(code, 37_500, { refund_key: `${code}-r${step}` });
            await notify(code);
            await waitFor(async () => (await eventsOf(code)).length === 2 + step, {
              what: `${code} refund ${step} applied`,
            });
          }),
        );
      }
      for (const code of codes) {
        const rows = await allDelivered(code, 4);
        expect(rows.map((r) => r.type)).toEqual([
          'payment.paid',
          'order.paid',
          'payment.refunded',
          'payment.refunded',
        ]);
        const delivered = [...receiver.delivered().values()].filter((r) => r.event?.data.order_code === code);
        expect(delivered.map((r) => r.webhookId)).toEqual(rows.map((r) => `evt_${r.id}`));
        expect(delivered.slice(2).map((r) => r.event?.data.refund)).toEqual([
          { amount: '37500.00', total: '37500.00' },
          { amount: '37500.00', total: '75000.00' },
        ]);
      }
      expect(orderViolations(receiver.received)).toEqual([]);
      expect(receiver.received.some((r) => r.status === 503)).toBe(true);
    } finally {
      receiver.respond = () => undefined;
    }
  });

  it('lists exhausted deliveries and re-delivers them, one or a time window, audited', async () => {
    let down = true;
    receiver.respond = ({ event }) =>
      down && String(event?.data.order_code).startsWith('EV-DEAD') ? 503 : undefined;
    try {
      await paidOrder('EV-DEAD-1');
      await paidOrder('EV-DEAD-2');
      const exhausted = await waitFor(
        async () => {
          const rows = [...(await eventsOf('EV-DEAD-1')), ...(await eventsOf('EV-DEAD-2'))];
          const heads = rows.filter((r) => r.exhaustedAt !== null);
          return heads.length === 2 ? heads : null;
        },
        { timeoutMs: 20_000, what: 'both heads exhausted' },
      );
      expect(exhausted.map((r) => [r.type, r.attempts])).toEqual([
        ['payment.paid', 3],
        ['payment.paid', 3],
      ]);
      // Their order.paid events wait behind them: never sent.
      const later = [...(await eventsOf('EV-DEAD-1')), ...(await eventsOf('EV-DEAD-2'))].filter(
        (r) => r.type === 'order.paid',
      );
      expect(receiver.received.filter((r) => later.some((l) => r.webhookId === `evt_${l.id}`))).toEqual([]);

      const list = (await (await admin('/event-deliveries/exhausted')).json()) as {
        total: number;
        deliveries: {
          eventId: string;
          webhookId: string;
          orderCode: string;
          attempts: number;
          error: string;
        }[];
      };
      expect(list.total).toBe(2);
      expect(list.deliveries.map((d) => d.orderCode).sort()).toEqual(['EV-DEAD-1', 'EV-DEAD-2']);
      expect(list.deliveries[0]?.error).toBe('event webhook answered 503');

      const [first, second] = exhausted;
      expect((await admin(`/event-deliveries/${first!.id}/redeliver`, {})).status).toBe(400);
      expect((await admin(`/event-deliveries/999999999/redeliver`, { reason: 'x' })).status).toBe(404);
      down = false;
      const one = await admin(`/event-deliveries/evt_${first!.id}/redeliver`, { reason: 'receiver fixed' });
      expect(one.status).toBe(200);
      expect(await one.json()).toMatchObject({
        redelivered: [{ eventId: first!.id, orderCode: 'EV-DEAD-1' }],
      });
      await allDelivered('EV-DEAD-1', 2);
      // Again: it is no longer exhausted.
      expect((await admin(`/event-deliveries/${first!.id}/redeliver`, { reason: 'again' })).status).toBe(409);

      const window = await admin('/event-deliveries/redeliver', {
        reason: 'receiver fixed, the rest',
        exhaustedFrom: new Date(Date.now() - 60_000).toISOString(),
        exhaustedTo: new Date().toISOString(),
      });
      expect(window.status).toBe(200);
      expect(await window.json()).toMatchObject({ redelivered: [{ eventId: second!.id }], skipped: [] });
      await allDelivered('EV-DEAD-2', 2);

      const audit = await system.db.sql<{ action: string; actor: string; reason: string }[]>`
        SELECT action, actor, reason FROM admin_audit WHERE action LIKE 'event.%' ORDER BY id`;
      expect(audit).toEqual([
        { action: 'event.redeliver', actor: 'bearer', reason: 'receiver fixed' },
        { action: 'event.redeliver_bulk', actor: 'bearer', reason: 'receiver fixed, the rest' },
      ]);
    } finally {
      receiver.respond = () => undefined;
    }
  });

  it('serves the same events by a cursor with the shop token', async () => {
    const url = (query: string) => `${system.apiUrl}/events${query}`;
    const shop = { authorization: `Bearer ${SHOP_TOKEN}` };
    expect((await fetch(url(''))).status).toBe(401);
    expect((await fetch(url(''), { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).status).toBe(
      401,
    );
    expect((await fetch(url('?limit=0'), { headers: shop })).status).toBe(400);
    expect((await fetch(url('?after=abc'), { headers: shop })).status).toBe(400);

    const all = await system.db.sql<
      { id: string }[]
    >`SELECT e.id::text AS id FROM payment_events e ORDER BY e.id`;
    expect(all.length).toBeGreaterThan(10);
    const seen: string[] = [];
    let after = '0';
    for (let page = 0; page < 100; page += 1) {
      const res = await fetch(url(`?after=${after}&limit=3`), { headers: shop });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { events: unknown[]; next_after: string; has_more: boolean };
      const events = body.events.map((e) => deliveredEventSchema.parse(e));
      expect(events.length).toBeLessThanOrEqual(3);
      seen.push(...events.map((e) => e.id));
      after = body.next_after;
      if (!body.has_more) {
        break;
      }
    }
    expect(seen).toEqual(all.map((r) => `evt_${r.id}`));
    // The webhook-id works as a cursor too, and the end is an empty page.
    const tail = (await (await fetch(url(`?after=${seen.at(-2)}`), { headers: shop })).json()) as {
      events: { id: string }[];
      has_more: boolean;
    };
    expect(tail.events.map((e) => e.id)).toEqual([seen.at(-1)]);
    const end = (await (await fetch(url(`?after=${after}`), { headers: shop })).json()) as {
      events: unknown[];
      next_after: string;
    };
    expect(end).toMatchObject({ events: [], next_after: after, has_more: false });
  });
});
