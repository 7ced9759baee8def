/**
 * POST /payments against the real system: Postgres, Redis, a worker, and the Midtrans
 * simulator serving Snap and the Core API. The simulator itself checks, when a charge reaches
 * it, that the payment row is already committed (it reads Postgres on its own connection).
 */
import { buildApp, createApiDeps, loadApiConfig } from '@lunas/api';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPayment } from '../../../../test/harness/db.js';
import { startSystem, type TestSystem } from '../../../../test/harness/system.js';
import { waitFor } from '../../../../test/harness/wait-for.js';

const SHOP_TOKEN = 'shop-token-9f8e7d6c5b4a39281706f5e4d3c2b1a0';

interface SeenCharge {
  readonly path: string;
  readonly orderCode: string;
  /** Payment rows of the order visible to another connection when the charge arrived. */
  readonly committedRows: number;
  readonly committedStatus: string | null;
}

describe('POST /payments (write-ahead checkout)', () => {
  let system: TestSystem;
  let api: FastifyInstance;
  const seen: SeenCharge[] = [];
  /** Orders whose charge the simulator answers 500 (a Midtrans outage). */
  const failing = new Set<string>();

  beforeAll(async () => {
    system = await startSystem({
      label: 'pay',
      simNotifies: true,
      onSim: (sim) => {
        sim.app.addHook('preHandler', async (request, reply) => {
          const path = request.url.split('?')[0] ?? '';
          if (request.method !== 'POST' || (path !== '/snap/v1/transactions' && path !== '/v2/charge')) {
            return;
          }
          const details = (request.body as { transaction_details?: { order_id?: string } })
            .transaction_details;
          const orderCode = details?.order_id ?? '';
          const rows = await system.db.sql<{ payment_status: string }[]>`
            SELECT p.payment_status FROM order_payments p JOIN orders o ON o.id = p.order_id
            WHERE o.order_code = ${orderCode}`;
          seen.push({
            path,
            orderCode,
            committedRows: rows.length,
            committedStatus: rows[0]?.payment_status ?? null,
          });
          if (failing.has(orderCode)) {
            return reply.code(500).send({ status_code: '500', status_message: 'simulated outage' });
          }
        });
      },
    });
    const config = loadApiConfig(
      system.env({
        PORT: '0',
        SHOP_API_TOKEN: SHOP_TOKEN,
        MIDTRANS_SNAP_BASE_URL: `${system.simUrl}/snap/v1`,
      }),
    );
    api = await buildApp(config, createApiDeps(config, system.logs.logger), system.logs.logger);
    await api.ready();
  });

  afterAll(async () => {
    await api?.close();
    await system?.close();
  });

  const pay = (body: unknown, key: string | null, token = SHOP_TOKEN) =>
    api.inject({
      method: 'POST',
      url: '/payments',
      headers: {
        authorization: `Bearer ${token}`,
        ...(key === null ? {} : { 'idempotency-key': key }),
      },
      payload: body as Record<string, unknown>,
    });

  it('commits the row before Snap sees the charge, and answers the Snap token', async () => {
    const res = await pay({ order_code: 'PAY-SNAP-1', amount: '150000.00' }, 'key-snap-1');
    expect(res.statusCode).toBe(201);
    const body = res.json<{ snap: { token: string; redirect_url: string }; payment_id: string }>();
    expect(body.snap.token).toMatch(/.+/);
    expect(body.snap.redirect_url).toContain(body.snap.token);
    expect(seen.filter((s) => s.orderCode === 'PAY-SNAP-1')).toEqual([
      {
        path: '/snap/v1/transactions',
        orderCode: 'PAY-SNAP-1',
        committedRows: 1,
        committedStatus: 'PENDING',
      },
    ]);
    const [order] = await system.db.sql<{ total_amount: string; status: string }[]>`
      SELECT total_amount::text, status FROM orders WHERE order_code = 'PAY-SNAP-1'`;
    expect(order).toEqual({ total_amount: '150000.00', status: 'PENDING' });

    // The customer pays on the Snap page: the worker binds the transaction it confirmed.
    const settled = await system.sim.pay('PAY-SNAP-1');
    const paid = await waitFor(
      async () => {
        const row = await readPayment(system.db.sql, 'PAY-SNAP-1');
        return row?.paymentStatus === 'PAID' ? row : null;
      },
      { what: 'PAY-SNAP-1 paid', timeoutMs: 20_000 },
    );
    expect(paid).toMatchObject({ orderStatus: 'PAID', transactionId: settled.transaction_id });
  });

  it('is idempotent: the same key gets the same answer, one row and one charge', async () => {
    const first = await pay({ order_code: 'PAY-IDEM-1', amount: '50000' }, 'key-idem-1');
    expect(first.statusCode).toBe(201);
    const again = await pay({ order_code: 'PAY-IDEM-1', amount: '50000.00' }, 'key-idem-1');
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const rows = await system.db.sql`
      SELECT p.id FROM order_payments p JOIN orders o ON o.id = p.order_id WHERE o.order_code = 'PAY-IDEM-1'`;
    expect(rows).toHaveLength(1);
    expect(seen.filter((s) => s.orderCode === 'PAY-IDEM-1')).toHaveLength(1);

    const otherBody = await pay({ order_code: 'PAY-IDEM-1', amount: '60000.00' }, 'key-idem-1');
    expect(otherBody.statusCode).toBe(409);
    // Another key for an order whose payment is open: refused, no second row.
    const otherKey = await pay({ order_code: 'PAY-IDEM-1', amount: '50000.00' }, 'key-idem-2');
    expect(otherKey.statusCode).toBe(409);
    expect(otherKey.json<{ error: { code: string } }>().error.code).toBe('LUNAS_ERR_CONFLICT');
  });

  it('concurrent requests with one key make one row and one charge', async () => {
    const body = { order_code: 'PAY-RACE-1', amount: '30000.00' };
    const answers = await Promise.all([1, 2, 3, 4].map(() => pay(body, 'key-race-1')));
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    // The others waited for the first (200, its answer) or found it in flight (409).
    expect(codes.every((c) => c === 200 || c === 201 || c === 409)).toBe(true);
    const rows = await system.db.sql`
      SELECT p.id FROM order_payments p JOIN orders o ON o.id = p.order_id WHERE o.order_code = 'PAY-RACE-1'`;
    expect(rows).toHaveLength(1);
    expect(seen.filter((s) => s.orderCode === 'PAY-RACE-1')).toHaveLength(1);
  });

  it('refuses bad input, a missing key and a wrong token, clearly and without rows', async () => {
    const noKey = await pay({ order_code: 'PAY-BAD-1', amount: '1000.00' }, null);
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json<{ error: { message: string } }>().error.message).toContain('idempotency-key');
    const badAmount = await pay({ order_code: 'PAY-BAD-1', amount: '10.50' }, 'key-bad-1');
    expect(badAmount.statusCode).toBe(400);
    expect(badAmount.json<{ error: { message: string } }>().error.message).toContain('amount');
    const badMethod = await pay({ order_code: 'PAY-BAD-1', amount: '1000', method: 'cash' }, 'key-bad-2');
    expect(badMethod.statusCode).toBe(400);
    const wrongToken = await pay({ order_code: 'PAY-BAD-1', amount: '1000' }, 'key-bad-3', 'x'.repeat(40));
    expect(wrongToken.statusCode).toBe(401);
    expect(wrongToken.body).not.toContain(SHOP_TOKEN);
    expect(await readPayment(system.db.sql, 'PAY-BAD-1')).toBeNull();
  });

  it('a Core API charge stores the transaction id, and the payment settles through the worker', async () => {
    const res = await pay({ order_code: 'PAY-VA-1', amount: '75000.00', method: 'bca_va' }, 'key-va-1');
    expect(res.statusCode).toBe(201);
    const body = res.json<{ transaction_id: string; va_numbers: { bank: string; va_number: string }[] }>();
    expect(body.va_numbers[0]?.bank).toBe('bca');
    expect(body.transaction_id).toMatch(/.+/);
    expect(res.body).not.toContain('signature_key');
    expect(seen.find((s) => s.orderCode === 'PAY-VA-1')).toMatchObject({ committedRows: 1 });
    expect((await readPayment(system.db.sql, 'PAY-VA-1'))?.transactionId).toBe(body.transaction_id);

    await system.sim.pay('PAY-VA-1');
    const paid = await waitFor(
      async () => {
        const row = await readPayment(system.db.sql, 'PAY-VA-1');
        return row?.paymentStatus === 'PAID' ? row : null;
      },
      { what: 'PAY-VA-1 paid', timeoutMs: 20_000 },
    );
    expect(paid).toMatchObject({ orderStatus: 'PAID', transactionId: body.transaction_id });
  });

  it('a Midtrans outage leaves the row for reconciliation; a retry with the key charges it', async () => {
    failing.add('PAY-DOWN-1');
    const down = await pay({ order_code: 'PAY-DOWN-1', amount: '20000', method: 'qris' }, 'key-down-1');
    expect(down.statusCode).toBe(504);
    expect(down.json<{ error: { code: string } }>().error.code).toBe('LUNAS_ERR_MIDTRANS_UNAVAILABLE');
    expect(await readPayment(system.db.sql, 'PAY-DOWN-1')).toMatchObject({
      paymentStatus: 'PENDING',
      transactionId: null,
    });
    failing.delete('PAY-DOWN-1');
    const retry = await pay({ order_code: 'PAY-DOWN-1', amount: '20000', method: 'qris' }, 'key-down-1');
    expect(retry.statusCode).toBe(201);
    expect(retry.json<{ qr_string: string }>().qr_string).toMatch(/.+/);
    const rows = await system.db.sql`
      SELECT p.id FROM order_payments p JOIN orders o ON o.id = p.order_id WHERE o.order_code = 'PAY-DOWN-1'`;
    expect(rows).toHaveLength(1);
    expect(seen.filter((s) => s.orderCode === 'PAY-DOWN-1').every((s) => s.committedRows === 1)).toBe(true);
  });
});
