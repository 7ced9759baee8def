/**
 * One-shot sends: edited replays of a genuine body (an attacker keeping its signature_key), a
 * subscription notification, and the dashboard test notification. Through the Simulator object
 * and over HTTP.
 */
import { verifySignature } from '@lunas/midtrans';
import { describe, expect, it } from 'vitest';
import { isMidtransApiError } from './engine/errors.js';
import { basicAuthHeader } from './http/auth.js';
import type { InjectionRecord } from './notify/injections.js';
import { cardCharge, settled, startHarness, TEST_KEY, vaCharge } from './testing/harness.js';

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function signatureHolds(body: Record<string, unknown>): boolean {
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

describe('edited replays', () => {
  it('re-sends the last genuine body with fields the signature does not bind changed', async () => {
    const { sim, receiver } = await startHarness({}, (_req, i) => ({ status: i === 2 ? 401 : 200 }));
    const tx = await sim.charge(cardCharge('rp-1', '4911111111111113'));
    await settled(sim);
    const genuine = sim.sentNotifications('rp-1');
    expect(genuine.map((n) => n.body.transaction_status)).toEqual(['deny']);

    const sent = await sim.replay('rp-1', {
      edit: { transaction_status: 'settlement', fraud_status: 'accept', payment_type: 'gopay' },
    });
    expect(sent).toMatchObject({
      kind: 'replay',
      transactionId: tx.transaction_id,
      orderId: 'rp-1',
      sourceNotificationId: genuine[0]?.notificationId,
      signatureValid: true,
      results: [{ url: `${receiver.url}/webhooks/midtrans`, httpStatus: 200 }],
    });
    expect(sent.edited?.sort()).toEqual(['payment_type', 'transaction_status']);
    const received = receiver.requests.at(-1)?.body ?? {};
    expect(received).toMatchObject({
      transaction_status: 'settlement',
      status_code: '202',
      payment_type: 'gopay',
      signature_key: genuine[0]?.body.signature_key,
    });
    expect(signatureHolds(received)).toBe(true);

    // A transaction_id of another transaction; the receiver's answer is recorded.
    const other = await sim.replay(tx.transaction_id, { index: 0, edit: { transaction_id: 'someone-else' } });
    expect(other.results[0]?.httpStatus).toBe(401);
    expect(sim.injections().map((r) => r.id)).toEqual([sent.id, other.id]);
    // The simulator's own state is untouched.
    expect(sim.status('rp-1')?.transaction_status).toBe('deny');
  });

  it('edits refund fields of a refund notification, and removes fields with null', async () => {
    const { sim, receiver } = await startHarness();
    await sim.charge({
      payment_type: 'qris',
      transaction_details: { order_id: 'rp-2', gross_amount: 10_000 },
    });
    await sim.pay('rp-2');
    await sim.refund('rp-2', 1000);
    await settled(sim);
    const sent = await sim.replay('rp-2', {
      edit: { transaction_status: 'refund', refund_amount: '10000.00', refunds: [], fraud_status: null },
    });
    expect(sent.signatureValid).toBe(true);
    const body = receiver.requests.at(-1)?.body ?? {};
    expect(body).toMatchObject({ transaction_status: 'refund', refund_amount: '10000.00', refunds: [] });
    expect('fraud_status' in body).toBe(false);
  });

  it('shifts the order_id / status_code boundary without breaking the signature', async () => {
    const { sim, receiver } = await startHarness();
    await sim.charge(vaCharge('X-1'));
    await sim.pay('X-1');
    await sim.charge(vaCharge('X-12'));
    await settled(sim);
    const shifted = await sim.replay('X-1', { edit: { shift_boundary: 1 } });
    expect(shifted.body).toMatchObject({
      order_id: 'X-12',
      status_code: '00',
      transaction_status: 'settlement',
    });
    expect(shifted.signatureValid).toBe(true);
    expect(signatureHolds(receiver.requests.at(-1)?.body ?? {})).toBe(true);

    const explicit = await sim.replay('X-1', { edit: { order_id: 'X-12', status_code: '00' } });
    expect(explicit.body.signature_key).toBe(shifted.body.signature_key);
    expect(explicit.signatureValid).toBe(true);
    const back = await sim.replay('X-1', { index: 0, edit: { shift_boundary: -1 } });
    expect(back.body).toMatchObject({ order_id: 'X-', status_code: '1201' });
    expect(back.signatureValid).toBe(true);

    const broken = await sim.replay('X-1', { edit: { order_id: 'X-9', status_code: '200' } });
    expect(broken.signatureValid).toBe(false);
  });

  it('refuses bad edits and missing bodies with 400 / 404', async () => {
    const { sim } = await startHarness();
    await sim.charge(vaCharge('rp-3'));
    await settled(sim);
    const status = async (p: Promise<unknown>): Promise<number> => {
      try {
        await p;
      } catch (error) {
        if (isMidtransApiError(error)) {
          return error.statusCode;
        }
        throw error;
      }
      return 0;
    };
    expect(await status(sim.replay('rp-3', { edit: { order_id: 'other' } }))).toBe(400);
    expect(await status(sim.replay('rp-3', { edit: { gross_amount: '1.00' } as never }))).toBe(400);
    expect(await status(sim.replay('rp-3', { edit: { shift_boundary: 9 } }))).toBe(400);
    expect(await status(sim.replay('rp-3', { index: 5 }))).toBe(404);
    expect(await status(sim.replay('nope'))).toBe(404);
  });

  it('works over HTTP, and lists the genuine bodies', async () => {
    const { sim, receiver } = await startHarness();
    await sim.charge(vaCharge('rp-h'));
    await sim.pay('rp-h');
    await settled(sim);
    const listed = await fetch(`${sim.url}/_sim/transactions/rp-h/notifications`);
    const notifications = (await listed.json()) as { body: Record<string, unknown> }[];
    expect(notifications.map((n) => n.body.transaction_status)).toEqual(['pending', 'settlement']);

    const replayed = await post(`${sim.url}/_sim/transactions/rp-h/replay`, {
      index: 0,
      edit: { transaction_status: 'settlement' },
    });
    expect(replayed).toMatchObject({
      status: 200,
      body: { kind: 'replay', signatureValid: true, edited: ['transaction_status'] },
    });
    expect(receiver.requests.at(-1)?.body).toMatchObject({
      transaction_status: 'settlement',
      status_code: '201',
    });
    expect((await post(`${sim.url}/_sim/transactions/rp-h/replay`, { edit: { nope: 1 } })).status).toBe(400);
    const injections = (await (await fetch(`${sim.url}/_sim/injections`)).json()) as InjectionRecord[];
    expect(injections).toHaveLength(1);
  });
});

describe('subscription notifications', () => {
  it('sends an unsigned body with transaction, subscription and event_name, and records the answer', async () => {
    const { sim, receiver } = await startHarness({}, () => ({ status: 404 }));
    const ok = await sim.subscriptionNotify();
    const body = receiver.requests[0]?.body ?? {};
    expect(Object.keys(body).sort()).toEqual(['event_name', 'subscription', 'transaction']);
    expect(typeof (body.transaction as Record<string, unknown>).transaction_id).toBe('string');
    expect(JSON.stringify(body)).not.toMatch(/signature_key|order_id/);
    expect(ok.results).toEqual([expect.objectContaining({ httpStatus: 404 })]);

    const failed = await post(`${sim.url}/_sim/subscriptions/notify`, { failed: true });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ kind: 'subscription', results: [{ httpStatus: 404 }] });
    expect(receiver.requests[1]?.body.transaction).not.toHaveProperty('transaction_id');
    expect((await post(`${sim.url}/_sim/subscriptions/notify`, { bogus: true })).status).toBe(400);
  });

  it('answers 400 when there is nowhere to send', async () => {
    const { sim } = await startHarness({ notificationUrl: undefined });
    expect((await post(`${sim.url}/_sim/subscriptions/notify`, {})).status).toBe(400);
  });
});

describe('dashboard test notification', () => {
  it('is correctly signed, but Get Status does not know its transaction', async () => {
    const { sim, receiver } = await startHarness();
    const sent = await post(`${sim.url}/_sim/test-notification`, {});
    expect(sent).toMatchObject({ status: 200, body: { kind: 'test-notification', signatureValid: true } });
    const body = receiver.requests[0]?.body ?? {};
    expect(signatureHolds(body)).toBe(true);
    expect(body).toMatchObject({ transaction_status: 'settlement', status_code: '200' });
    const status = await fetch(`${sim.url}/v2/${String(body.transaction_id)}/status`, {
      headers: { authorization: basicAuthHeader(TEST_KEY) },
    });
    expect(status.status).toBe(404);
    expect(sim.transactions()).toEqual([]);

    const custom = await sim.testNotification({
      order_id: 'tn-2',
      transaction_status: 'pending',
      gross_amount: 500,
    });
    expect(custom.body).toMatchObject({ order_id: 'tn-2', status_code: '201', gross_amount: '500.00' });
  });
});
