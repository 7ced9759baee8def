/**
 * The official midtrans-client, pointed at the simulator, sees the responses and errors the
 * page docs/midtrans.md describes ("Get Status", "Status codes").
 */
import { verifySignature } from '@lunas/midtrans';
import midtransClient from 'midtrans-client';
import type { MidtransError } from 'midtrans-client';
import { describe, expect, it } from 'vitest';
import { startHarness, settled, TEST_KEY, vaCharge, cardCharge } from './testing/harness.js';
import { waitFor } from './testing/wait-for.js';

function clients(baseUrl: string, serverKey = TEST_KEY) {
  const core = new midtransClient.CoreApi({ isProduction: false, serverKey });
  core.apiConfig.getCoreApiBaseUrl = () => baseUrl;
  const snap = new midtransClient.Snap({ isProduction: false, serverKey });
  snap.apiConfig.getSnapApiBaseUrl = () => `${baseUrl}/snap/v1`;
  return { core, snap };
}

async function rejection(promise: Promise<unknown>): Promise<MidtransError> {
  try {
    await promise;
  } catch (error) {
    return error as MidtransError;
  }
  throw new Error('expected the call to reject');
}

function signed(body: Record<string, unknown>): boolean {
  const fields = {
    order_id: String(body.order_id),
    status_code: String(body.status_code),
    gross_amount: String(body.gross_amount),
  };
  return verifySignature(fields, String(body.signature_key), TEST_KEY);
}

describe('midtrans-client against the simulator', () => {
  it('charges a VA and reads the status by order_id and by transaction_id', async () => {
    const { sim } = await startHarness();
    const { core } = clients(sim.url);
    const charged = await core.charge(vaCharge('mc-va-1', 25_000));
    expect(charged).toMatchObject({
      status_code: '201',
      transaction_status: 'pending',
      gross_amount: '25000.00',
    });
    expect((charged.va_numbers as { bank: string }[])[0]?.bank).toBe('bca');

    const byOrder = await core.transaction.status('mc-va-1');
    const byTransaction = await core.transaction.status(String(charged.transaction_id));
    expect(byOrder.status_message).toBe('Success, transaction is found');
    expect(byTransaction.transaction_id).toBe(charged.transaction_id);
    expect(byOrder.transaction_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(signed(byOrder)).toBe(true);
  });

  it('rejects a wrong server key with 401', async () => {
    const { sim } = await startHarness();
    const error = await rejection(clients(sim.url, 'SB-Mid-server-WRONG').core.transaction.status('any'));
    expect(error.httpStatusCode).toBe(401);
    expect(error.ApiResponse).toMatchObject({ status_code: '401' });
  });

  it('rejects an unknown id with 404', async () => {
    const { sim } = await startHarness();
    const error = await rejection(clients(sim.url).core.transaction.status('no-such-order'));
    expect(error.httpStatusCode).toBe(404);
    expect(error.ApiResponse).toMatchObject({
      status_code: '404',
      status_message: "Transaction doesn't exist.",
    });
  });

  it('expires a pending charge: 407 resolves normally, in the action and in Get Status', async () => {
    const { sim } = await startHarness();
    const { core } = clients(sim.url);
    await core.charge(vaCharge('mc-exp-1'));
    const expired = await core.transaction.expire('mc-exp-1');
    expect(expired).toMatchObject({ status_code: '407', transaction_status: 'expire' });
    const status = await core.transaction.status('mc-exp-1');
    expect(status).toMatchObject({ status_code: '407', transaction_status: 'expire' });
    expect(signed(status)).toBe(true);
  });

  it('cancels a pending charge (200) and answers 412 for a settled one', async () => {
    const { sim } = await startHarness();
    const { core } = clients(sim.url);
    await core.charge(vaCharge('mc-cancel-1'));
    expect(await core.transaction.cancel('mc-cancel-1')).toMatchObject({
      status_code: '200',
      transaction_status: 'cancel',
    });
    expect(await core.transaction.status('mc-cancel-1')).toMatchObject({
      status_code: '200',
      transaction_status: 'cancel',
    });

    await core.charge(vaCharge('mc-cancel-2'));
    await sim.pay('mc-cancel-2');
    const error = await rejection(core.transaction.cancel('mc-cancel-2'));
    expect(error.httpStatusCode).toBe(412);
  });

  it('answers 406 for a duplicate order_id', async () => {
    const { sim } = await startHarness();
    const { core } = clients(sim.url);
    await core.charge(vaCharge('mc-dup-1'));
    const error = await rejection(core.charge(vaCharge('mc-dup-1')));
    expect(error.httpStatusCode).toBe(406);
  });

  it('refunds partly, then fully, and rejects an amount above what is left with 414', async () => {
    const { sim } = await startHarness();
    const { core } = clients(sim.url);
    await core.charge(cardCharge('mc-refund-1', '4411111111111118', 10_000));
    await sim.pay('mc-refund-1');
    const partial = await core.transaction.refund('mc-refund-1', { amount: 4000, reason: 'one item' });
    expect(partial).toMatchObject({
      status_code: '200',
      transaction_status: 'partial_refund',
      refund_amount: '4000.00',
    });
    const tooMuch = await rejection(core.transaction.refund('mc-refund-1', { amount: 6001 }));
    expect(tooMuch.httpStatusCode).toBe(414);
    const rest = await core.transaction.refund('mc-refund-1', {});
    expect(rest).toMatchObject({ transaction_status: 'refund', refund_amount: '6000.00' });
    const status = await core.transaction.status('mc-refund-1');
    expect(status).toMatchObject({ transaction_status: 'refund', refund_amount: '10000.00' });
    expect(status.refunds).toHaveLength(2);
  });

  it('approves a challenged card', async () => {
    const { sim } = await startHarness();
    const { core } = clients(sim.url);
    const charged = await core.charge(cardCharge('mc-challenge-1', '4511111111111117'));
    expect(charged).toMatchObject({ transaction_status: 'capture', fraud_status: 'challenge' });
    const approved = await core.transaction.approve('mc-challenge-1');
    expect(approved).toMatchObject({
      status_code: '200',
      transaction_status: 'capture',
      fraud_status: 'accept',
    });
  });

  it('creates a Snap transaction that is 404 on status until a method is chosen', async () => {
    const { sim } = await startHarness();
    const { core, snap } = clients(sim.url);
    const created = await snap.createTransaction({
      transaction_details: { order_id: 'mc-snap-1', gross_amount: 50_000 },
    });
    expect(created.token).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.redirect_url).toContain(created.token);
    expect((await rejection(core.transaction.status('mc-snap-1'))).httpStatusCode).toBe(404);

    await sim.pay('mc-snap-1');
    expect(await core.transaction.status('mc-snap-1')).toMatchObject({
      transaction_status: 'settlement',
      gross_amount: '50000.00',
    });
  });

  it("resolves transaction.notification() to the Get Status of the notification's transaction", async () => {
    const { sim, receiver } = await startHarness();
    const { core } = clients(sim.url);
    await core.charge(vaCharge('mc-notif-1'));
    await sim.pay('mc-notif-1');
    await settled(sim);
    const settlement = await waitFor(() =>
      receiver.requests.find((r) => r.body.transaction_status === 'settlement'),
    );
    const checked = await core.transaction.notification(JSON.stringify(settlement.body));
    expect(checked).toMatchObject({
      transaction_id: settlement.body.transaction_id,
      transaction_status: 'settlement',
      status_code: '200',
    });
  });
});
