/**
 * The flows beyond a single pay-or-fail transaction (docs/midtrans.md): Snap retries under new
 * transaction ids, challenge codes, refunds[], chargebacks, Payment Link order ids, DANA's Get
 * Status, and the status_code table, each checked in notifications and in Get Status.
 */
import { verifySignature } from '@lunas/midtrans';
import { describe, expect, it } from 'vitest';
import { isMidtransApiError } from './engine/errors.js';
import { basicAuthHeader } from './http/auth.js';
import type { Simulator } from './simulator.js';
import { cardCharge, settled, startHarness, TEST_KEY, vaCharge } from './testing/harness.js';

async function apiError(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    if (isMidtransApiError(error)) {
      return error.statusCode;
    }
    throw error;
  }
  throw new Error('expected a Midtrans API error');
}

/** GET /v2/:id/status over HTTP, as Lunas's client calls it. */
async function getStatus(
  sim: Simulator,
  id: string,
): Promise<{ http: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sim.url}/v2/${encodeURIComponent(id)}/status`, {
    headers: { authorization: basicAuthHeader(TEST_KEY) },
  });
  return { http: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function control(
  sim: Simulator,
  path: string,
  body: unknown = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${sim.url}/_sim${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function signed(body: Record<string, unknown>): boolean {
  return verifySignature(
    {
      order_id: String(body.order_id),
      status_code: String(body.status_code),
      gross_amount: String(body.gross_amount),
    },
    String(body.signature_key),
    TEST_KEY,
  );
}

const codes = (bodies: Record<string, unknown>[]): string[][] =>
  bodies.map((b) => [String(b.transaction_status), String(b.status_code)]);

describe('Snap retries under new transaction ids', () => {
  it('retries a denied card as a new transaction of the same order; both are notified', async () => {
    const { sim, receiver } = await startHarness();
    await sim.snap({
      transaction_details: { order_id: 'retry-1', gross_amount: 20_000 },
      custom_field2: 'x',
    });
    const denied = await sim.choose('retry-1', {
      payment_type: 'credit_card',
      credit_card: { token_id: '4911111111111113' },
    });
    expect(denied).toMatchObject({ transaction_status: 'deny', status_code: '202' });

    const retried = await sim.retry('retry-1', { card: '4411111111111118' });
    expect(retried).toMatchObject({
      order_id: 'retry-1',
      transaction_status: 'capture',
      fraud_status: 'accept',
      gross_amount: '20000.00',
      custom_field2: 'x',
    });
    expect(retried.transaction_id).not.toBe(denied.transaction_id);
    await sim.pay('retry-1');
    await settled(sim);

    expect(receiver.requests.map((r) => [r.body.transaction_id, r.body.transaction_status])).toEqual([
      [denied.transaction_id, 'deny'],
      [retried.transaction_id, 'capture'],
      [retried.transaction_id, 'settlement'],
    ]);
    const byOrder = await getStatus(sim, 'retry-1');
    expect(byOrder.body).toMatchObject({
      transaction_id: retried.transaction_id,
      transaction_status: 'settlement',
    });
    const byOld = await getStatus(sim, denied.transaction_id);
    expect(byOld.body).toMatchObject({ transaction_id: denied.transaction_id, transaction_status: 'deny' });
  });

  it('treats choosing again on the Snap page after a deny as a retry', async () => {
    const { sim } = await startHarness();
    const { token } = await sim.snap({ transaction_details: { order_id: 'retry-snap', gross_amount: 5000 } });
    const denied = await sim.choose(token, {
      payment_type: 'credit_card',
      credit_card: { token_id: '4711111111111115' },
    });
    const again = await sim.choose('retry-snap', { payment_type: 'bni_va' });
    expect(again).toMatchObject({
      order_id: 'retry-snap',
      transaction_status: 'pending',
      va_numbers: [{ bank: 'bni' }],
    });
    expect(again.transaction_id).not.toBe(denied.transaction_id);
    expect(await apiError(sim.choose('retry-snap', { payment_type: 'gopay' }))).toBe(404);
  });

  it('retries with the same method by default, and after expire; refuses while the order is live', async () => {
    const { sim } = await startHarness();
    await sim.charge(vaCharge('retry-2'));
    expect(await apiError(sim.retry('retry-2'))).toBe(412);
    await sim.expire('retry-2');
    const again = await sim.retry('retry-2');
    expect(again).toMatchObject({ transaction_status: 'pending', payment_type: 'bank_transfer' });
    expect(again.va_numbers).toEqual([expect.objectContaining({ bank: 'bca' })]);
    expect(await apiError(sim.retry('retry-2'))).toBe(412);
    expect(await apiError(sim.retry('nope'))).toBe(404);
  });

  it('retries over HTTP with a Snap method name', async () => {
    const { sim } = await startHarness();
    await sim.charge(cardCharge('retry-3', '4611111111111116'));
    const retried = await control(sim, '/transactions/retry-3/retry', { payment_type: 'gopay' });
    expect(retried).toMatchObject({
      status: 200,
      body: { payment_type: 'gopay', transaction_status: 'pending' },
    });
    expect((await control(sim, '/transactions/retry-3/retry', {})).status).toBe(412);
  });
});

describe('challenge', () => {
  it('holds a card for review with 201, approves with 200 and denies with 202', async () => {
    const { sim, receiver } = await startHarness();
    await sim.charge(cardCharge('ch-a', '4511111111111117'));
    await sim.charge(cardCharge('ch-d', '5510111111111115'));
    expect((await getStatus(sim, 'ch-a')).body).toMatchObject({
      transaction_status: 'capture',
      fraud_status: 'challenge',
      status_code: '201',
    });
    const approved = await control(sim, '/transactions/ch-a/challenge', { decision: 'accept' });
    expect(approved.body).toMatchObject({
      transaction_status: 'capture',
      fraud_status: 'accept',
      status_code: '200',
    });
    const denied = await control(sim, '/transactions/ch-d/challenge', { decision: 'deny' });
    expect(denied.body).toMatchObject({
      transaction_status: 'deny',
      fraud_status: 'deny',
      status_code: '202',
    });
    expect((await getStatus(sim, 'ch-d')).body).toMatchObject({ status_code: '202' });
    await settled(sim);
    const of = (order: string): string[][] =>
      receiver.requests
        .filter((r) => r.body.order_id === order)
        .map((r) => [
          String(r.body.transaction_status),
          String(r.body.fraud_status),
          String(r.body.status_code),
        ]);
    expect(of('ch-a')).toEqual([
      ['capture', 'challenge', '201'],
      ['capture', 'accept', '200'],
    ]);
    expect(of('ch-d')).toEqual([
      ['capture', 'challenge', '201'],
      ['deny', 'deny', '202'],
    ]);
    expect(receiver.requests.every((r) => signed(r.body))).toBe(true);
  });
});

describe('refunds', () => {
  it('appends each refund to refunds[], totals refund_amount, keeps gross_amount, two notifications each', async () => {
    const { sim, receiver } = await startHarness();
    await sim.charge({
      payment_type: 'gopay',
      transaction_details: { order_id: 'rf-1', gross_amount: 20_000 },
    });
    await sim.pay('rf-1');
    const first = await sim.refund('rf-1', 5000, { refund_key: 'k1', reason: 'damaged' });
    expect(first).toMatchObject({
      transaction_status: 'partial_refund',
      refund_amount: '5000.00',
      refund_key: 'k1',
    });
    expect(await apiError(sim.refund('rf-1', 1000, { refund_key: 'k1' }))).toBe(406);
    await settled(sim);
    await sim.refund('rf-1', undefined, { refund_key: 'k2' });
    await settled(sim);
    // A duplicate key is 406 even once nothing is left to refund.
    expect(await apiError(sim.refund('rf-1', 1000, { refund_key: 'k2' }))).toBe(406);

    const refundBodies = receiver.requests
      .map((r) => r.body)
      .filter((b) => b.transaction_status === 'partial_refund' || b.transaction_status === 'refund');
    expect(refundBodies.map((b) => [b.transaction_status, b.refund_amount, b.gross_amount])).toEqual([
      ['partial_refund', '5000.00', '20000.00'],
      ['partial_refund', '5000.00', '20000.00'],
      ['refund', '20000.00', '20000.00'],
      ['refund', '20000.00', '20000.00'],
    ]);
    const confirmed = (b: Record<string, unknown>): boolean[] =>
      (b.refunds as Record<string, unknown>[]).map((r) => typeof r.bank_confirmed_at === 'string');
    expect(refundBodies.map(confirmed)).toEqual([[false], [true], [true, false], [true, true]]);
    expect(refundBodies.every((b) => b.status_code === '200' && signed(b))).toBe(true);

    const status = (await getStatus(sim, 'rf-1')).body;
    expect(status).toMatchObject({
      transaction_status: 'refund',
      refund_amount: '20000.00',
      gross_amount: '20000.00',
    });
    const refunds = status.refunds as Record<string, unknown>[];
    expect(refunds).toHaveLength(2);
    expect(refunds[0]).toMatchObject({
      refund_amount: '5000.00',
      reason: 'damaged',
      refund_key: 'k1',
      refund_method: 'online',
    });
    expect(refunds[0]?.bank_confirmed_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(refunds[0]?.created_at).toMatch(/^\d{4}-/);
    expect(typeof refunds[0]?.refund_chargeback_id).toBe('number');
    expect(refunds[0]?.refund_chargeback_uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(refunds[1]).toMatchObject({ refund_amount: '15000.00', refund_key: 'k2' });
  });

  it('refunds DANA, and answers 412 for a method without refunds', async () => {
    const { sim } = await startHarness();
    await sim.charge({ payment_type: 'dana', transaction_details: { order_id: 'rf-d', gross_amount: 8000 } });
    await sim.pay('rf-d');
    await expect(sim.refund('rf-d')).resolves.toMatchObject({ transaction_status: 'refund' });
    await sim.charge(vaCharge('rf-va'));
    await sim.pay('rf-va');
    expect(await apiError(sim.refund('rf-va'))).toBe(412);
  });
});

describe('chargebacks', () => {
  it('records partial_chargeback then chargeback in refunds[] with status_code 200', async () => {
    const { sim, receiver } = await startHarness();
    await sim.charge(cardCharge('cb-1', '4411111111111118'));
    expect(await apiError(sim.chargeback('cb-1'))).toBe(412);
    await sim.pay('cb-1');
    const partial = await control(sim, '/transactions/cb-1/chargeback', { amount: 4000 });
    expect(partial.body).toMatchObject({
      transaction_status: 'partial_chargeback',
      status_code: '200',
      refund_amount: '4000.00',
      gross_amount: '10000.00',
    });
    await expect(sim.chargeback('cb-1')).resolves.toMatchObject({
      transaction_status: 'chargeback',
      refund_amount: '10000.00',
    });
    expect(await apiError(sim.chargeback('cb-1'))).toBe(412);
    await settled(sim);
    expect(codes(receiver.requests.map((r) => r.body)).slice(-2)).toEqual([
      ['partial_chargeback', '200'],
      ['chargeback', '200'],
    ]);
    const last = receiver.requests.at(-1)?.body ?? {};
    expect(signed(last)).toBe(true);
    expect((last.refunds as unknown[]).length).toBe(2);
  });
});

describe('Payment Link', () => {
  it('suffixes the order_id with a 13-digit ms timestamp and keeps the link id in custom_field1', async () => {
    const { sim, receiver } = await startHarness();
    const created = await control(sim, '/payment-links', { order_id: 'link-1', gross_amount: 15_000 });
    expect(created.status).toBe(200);
    const orderId = String(created.body.order_id);
    expect(orderId).toMatch(/^link-1-\d{13}$/);
    expect(created.body).toMatchObject({
      custom_field1: 'link-1',
      transaction_status: 'pending',
      payment_type: 'bank_transfer',
    });
    const second = await sim.paymentLink({ order_id: 'link-1', gross_amount: 15_000, payment_type: 'qris' });
    expect(second.order_id).not.toBe(orderId);
    expect(second.order_id).toMatch(/^link-1-\d{13}$/);

    await sim.pay(orderId);
    await settled(sim);
    const bodies = receiver.requests.map((r) => r.body).filter((b) => b.order_id === orderId);
    expect(codes(bodies)).toEqual([
      ['pending', '201'],
      ['settlement', '200'],
    ]);
    expect(bodies.every((b) => b.custom_field1 === 'link-1' && signed(b))).toBe(true);
    expect((await getStatus(sim, orderId)).body).toMatchObject({ transaction_status: 'settlement' });
    expect((await getStatus(sim, String(created.body.transaction_id))).body).toMatchObject({
      order_id: orderId,
    });
    expect((await getStatus(sim, 'link-1')).http).toBe(404);
    expect((await control(sim, '/payment-links', { order_id: 'bad id', gross_amount: 1 })).status).toBe(400);
  });
});

describe('DANA', () => {
  it('notifies pending with 201, answers Get Status 200 + pending, by transaction_id only', async () => {
    const { sim, receiver } = await startHarness();
    const charged = await sim.charge({
      payment_type: 'dana',
      transaction_details: { order_id: 'dana-1', gross_amount: 7000 },
    });
    await settled(sim);
    expect(receiver.requests[0]?.body).toMatchObject({ transaction_status: 'pending', status_code: '201' });
    const byId = await getStatus(sim, charged.transaction_id);
    expect(byId).toMatchObject({ http: 200, body: { transaction_status: 'pending', status_code: '200' } });
    expect(signed(byId.body)).toBe(true);
    expect((await getStatus(sim, 'dana-1')).http).toBe(404);
    await sim.pay('dana-1');
    expect((await getStatus(sim, charged.transaction_id)).body).toMatchObject({
      transaction_status: 'settlement',
      status_code: '200',
    });
  });

  it('finds DANA by order_id with the compat switch', async () => {
    const { sim } = await startHarness({ compat: { danaGetStatusByOrderId: true } });
    await sim.charge({
      payment_type: 'dana',
      transaction_details: { order_id: 'dana-2', gross_amount: 7000 },
    });
    expect((await getStatus(sim, 'dana-2')).http).toBe(200);
  });
});

describe('status codes', () => {
  it.each([
    ['deny', '202', '202'],
    ['expire', '202', '407'],
    ['cancel', '202', '200'],
  ] as const)('%s: %s in the notification, %s in Get Status', async (action, inNotification, inStatus) => {
    const { sim, receiver } = await startHarness();
    await sim.charge(vaCharge(`code-${action}`));
    await sim[action](`code-${action}`);
    await settled(sim);
    expect(codes(receiver.requests.map((r) => r.body))).toEqual([
      ['pending', '201'],
      [action, inNotification],
    ]);
    const status = await getStatus(sim, `code-${action}`);
    expect(status).toMatchObject({ http: 200, body: { transaction_status: action, status_code: inStatus } });
    expect(signed(status.body)).toBe(true);
  });
});
