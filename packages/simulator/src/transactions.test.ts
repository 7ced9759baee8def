/**
 * Transaction life cycles: order_id reuse, the test cards, reversal, refunds, and where and how
 * notifications are sent.
 */
import { verifySignature } from '@lunas/midtrans';
import { describe, expect, it } from 'vitest';
import { isMidtransApiError } from './engine/errors.js';
import { startReceiver } from './testing/receiver.js';
import { cardCharge, settled, startHarness, TEST_KEY, vaCharge } from './testing/harness.js';
import { waitFor } from './testing/wait-for.js';

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

describe('order_id reuse', () => {
  it('allows a new transaction after expire, with a new transaction_id', async () => {
    const { sim } = await startHarness();
    const first = await sim.charge(vaCharge('reuse-1'));
    await sim.expire('reuse-1');
    const second = await sim.charge(vaCharge('reuse-1'));
    expect(second.transaction_id).not.toBe(first.transaction_id);
    expect(sim.status('reuse-1')).toMatchObject({
      transaction_id: second.transaction_id,
      transaction_status: 'pending',
    });
    expect(sim.status(first.transaction_id)).toMatchObject({
      transaction_status: 'expire',
      status_code: '407',
    });
  });

  it('allows reuse after cancel', async () => {
    const { sim } = await startHarness();
    await sim.charge(vaCharge('reuse-2'));
    await sim.cancel('reuse-2');
    await expect(sim.charge(vaCharge('reuse-2'))).resolves.toMatchObject({ transaction_status: 'pending' });
  });

  it('answers 406 while the order is pending or paid', async () => {
    const { sim } = await startHarness();
    await sim.charge(vaCharge('reuse-3'));
    expect(await apiError(sim.charge(vaCharge('reuse-3')))).toBe(406);
    await sim.pay('reuse-3');
    expect(await apiError(sim.charge(vaCharge('reuse-3')))).toBe(406);
  });
});

describe('payment flows', () => {
  it('pays a 3DS card as capture (accept) then settlement, signed and in order', async () => {
    const { sim, receiver } = await startHarness();
    const charged = await sim.charge(cardCharge('card-3ds', 'sim-card-4811111111111114'));
    expect(charged).toMatchObject({
      transaction_status: 'pending',
      status_code: '201',
      masked_card: '48111111-1114',
    });
    await sim.pay('card-3ds');
    await settled(sim);
    const bodies = receiver.requests.map((r) => r.body);
    expect(bodies.map((b) => [b.transaction_status, b.fraud_status, b.status_code])).toEqual([
      ['pending', 'accept', '201'],
      ['capture', 'accept', '200'],
      ['settlement', 'accept', '200'],
    ]);
    for (const body of bodies) {
      const fields = {
        order_id: String(body.order_id),
        status_code: String(body.status_code),
        gross_amount: String(body.gross_amount),
      };
      expect(verifySignature(fields, String(body.signature_key), TEST_KEY)).toBe(true);
      expect(body.status_message).toBe('midtrans payment notification');
      expect(body.gross_amount).toBe('10000.00');
    }
  });

  it.each([
    ['4911111111111113', 'deny', 'accept'],
    ['4611111111111116', 'deny', 'deny'],
    ['4411111111111118', 'capture', 'accept'],
    ['5510111111111115', 'capture', 'challenge'],
    ['481111-1114-0f1e2d3c', 'pending', 'accept'],
  ])('charges test card %s as %s / %s', async (card, status, fraud) => {
    const { sim } = await startHarness();
    await expect(sim.charge(cardCharge(`card-${card}`, card))).resolves.toMatchObject({
      transaction_status: status,
      fraud_status: fraud,
    });
  });

  it('resolves a challenge: accept → capture, deny → deny (202 notification)', async () => {
    const { sim, receiver } = await startHarness();
    await sim.charge(cardCharge('challenge-a', '4511111111111117'));
    await sim.charge(cardCharge('challenge-d', '4511111111111117'));
    expect(await apiError(sim.pay('challenge-a'))).toBe(412);
    await expect(sim.resolveChallenge('challenge-a', 'accept')).resolves.toMatchObject({
      fraud_status: 'accept',
    });
    await expect(sim.resolveChallenge('challenge-d', 'deny')).resolves.toMatchObject({
      transaction_status: 'deny',
      fraud_status: 'deny',
    });
    await settled(sim);
    const denied = receiver.requests.find(
      (r) => r.body.order_id === 'challenge-d' && r.body.transaction_status === 'deny',
    );
    expect(denied?.body.status_code).toBe('202');
  });

  it('captures the "pending, then accept" card by itself after ~60 s of simulated time', async () => {
    const { sim } = await startHarness({ timeScale: 0.001 });
    await sim.charge(cardCharge('card-slow', '4024007176265022'));
    expect(sim.status('card-slow')?.transaction_status).toBe('pending');
    await waitFor(() => sim.status('card-slow')?.transaction_status === 'capture', { timeoutMs: 2_000 });
  });

  it('reverses a settlement into deny (202 notification, order unpaid)', async () => {
    const { sim, receiver } = await startHarness();
    await sim.charge({
      payment_type: 'bank_transfer',
      transaction_details: { order_id: 'reverse-1', gross_amount: 5000 },
      bank_transfer: { bank: 'permata' },
    });
    await sim.pay('reverse-1');
    await expect(sim.reverse('reverse-1')).resolves.toMatchObject({ transaction_status: 'deny' });
    await settled(sim);
    expect(receiver.requests.map((r) => [r.body.transaction_status, r.body.status_code])).toEqual([
      ['pending', '201'],
      ['settlement', '200'],
      ['deny', '202'],
    ]);
    expect(receiver.requests[0]?.body.permata_va_number).toMatch(/^\d{16}$/);
  });

  it('sends two refund notifications, the second with bank_confirmed_at', async () => {
    const { sim, receiver } = await startHarness();
    await sim.charge({
      payment_type: 'gopay',
      transaction_details: { order_id: 'refund-n', gross_amount: 20_000 },
    });
    await sim.pay('refund-n');
    await sim.refund('refund-n', 5000);
    await settled(sim);
    const refunds = receiver.requests
      .filter((r) => r.body.transaction_status === 'partial_refund')
      .map((r) => r.body);
    expect(refunds).toHaveLength(2);
    expect(refunds[0]).toMatchObject({ refund_amount: '5000.00', status_code: '200' });
    expect((refunds[0]?.refunds as Record<string, unknown>[])[0]?.bank_confirmed_at).toBeUndefined();
    expect((refunds[1]?.refunds as Record<string, unknown>[])[0]?.bank_confirmed_at).toMatch(/^\d{4}-/);
  });

  it('settles a Snap order once a method is chosen', async () => {
    const { sim } = await startHarness();
    await sim.snap({ transaction_details: { order_id: 'snap-1', gross_amount: 30_000 } });
    expect(sim.status('snap-1')).toBeUndefined();
    await expect(sim.choose('snap-1', { payment_type: 'bni_va' })).resolves.toMatchObject({
      transaction_status: 'pending',
      va_numbers: [{ bank: 'bni' }],
    });
    await expect(sim.pay('snap-1')).resolves.toMatchObject({ transaction_status: 'settlement' });
  });
});

describe('notification delivery', () => {
  it("sends Midtrans's headers", async () => {
    const { sim, receiver } = await startHarness();
    await sim.charge(vaCharge('headers-1'));
    await settled(sim);
    expect(receiver.requests[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      accept: 'application/json',
      'user-agent': 'Veritrans',
    });
  });

  it('honours override (replaces the account URL) and append (adds to it)', async () => {
    const { sim, receiver } = await startHarness();
    const other = await startReceiver();
    try {
      await sim.charge(vaCharge('route-override'), {
        overrideNotification: [`${other.url}/a`, `${other.url}/b`],
      });
      await sim.charge(vaCharge('route-append'), { appendNotification: [`${other.url}/c`] });
      await settled(sim);
      expect(other.requests.map((r) => `${String(r.body.order_id)}${r.path}`).sort()).toEqual([
        'route-append/c',
        'route-override/a',
        'route-override/b',
      ]);
      expect(receiver.requests.map((r) => r.body.order_id)).toEqual(['route-append']);
    } finally {
      await other.close();
    }
  });

  it('reads the override header from an HTTP charge', async () => {
    const { sim, receiver } = await startHarness();
    const response = await fetch(`${sim.url}/v2/charge`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${TEST_KEY}:`).toString('base64')}`,
        'content-type': 'application/json',
        'x-override-notification': `${receiver.url}/override`,
      },
      body: JSON.stringify(vaCharge('route-http')),
    });
    expect(response.status).toBe(200);
    await settled(sim);
    expect(receiver.requests.map((r) => r.path)).toEqual(['/override']);
  });
});
