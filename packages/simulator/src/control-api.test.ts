/**
 * The HTTP surface outside the Core API proper: the /_sim control API, its optional token, and
 * the body quirks of real clients (a JSON body on GET, an empty JSON body on POST).
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { basicAuthHeader } from './http/auth.js';
import { settled, startHarness, TEST_KEY, vaCharge } from './testing/harness.js';

async function call(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/** GET with a body, which fetch refuses to send but midtrans-client does. */
function getWithBody(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      headers: {
        authorization: basicAuthHeader(TEST_KEY),
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('control API', () => {
  it('pays, lists, reads deliveries and resets over HTTP', async () => {
    const { sim, receiver } = await startHarness();
    await sim.charge(vaCharge('ctl-1'));
    const paid = await call(`${sim.url}/_sim/transactions/ctl-1/pay`, 'POST');
    expect(paid).toMatchObject({ status: 200, body: { transaction_status: 'settlement' } });
    await settled(sim);
    expect(receiver.requests).toHaveLength(2);

    const deliveries = await call(`${sim.url}/_sim/transactions/ctl-1/deliveries`, 'GET');
    expect((deliveries.body as unknown[]).length).toBe(2);
    expect((await call(`${sim.url}/_sim/transactions`, 'GET')).body).toHaveLength(1);
    expect((await call(`${sim.url}/_sim/transactions/ctl-1/expire`, 'POST')).status).toBe(412);
    expect((await call(`${sim.url}/_sim/transactions/nope/pay`, 'POST')).status).toBe(404);

    await call(`${sim.url}/_sim/reset`, 'POST');
    expect(sim.transactions()).toEqual([]);
  });

  it('sets and clears faults, and refuses an invalid spec', async () => {
    const { sim, receiver } = await startHarness();
    expect(
      (await call(`${sim.url}/_sim/faults`, 'PUT', { fault: { drop: true }, orderId: 'ctl-f' })).status,
    ).toBe(200);
    expect((await call(`${sim.url}/_sim/faults`, 'PUT', { fault: { explode: true } })).status).toBe(400);
    await sim.charge(vaCharge('ctl-f'));
    await settled(sim);
    expect(receiver.requests).toHaveLength(0);
    await call(`${sim.url}/_sim/faults?orderId=ctl-f`, 'DELETE');
    expect(sim.faults.list()).toEqual({ global: null, orders: {} });
  });

  it('refunds, resolves challenges and chooses Snap methods', async () => {
    const { sim } = await startHarness();
    await sim.charge({
      payment_type: 'qris',
      transaction_details: { order_id: 'ctl-r', gross_amount: 9000 },
    });
    await sim.pay('ctl-r');
    expect(
      (await call(`${sim.url}/_sim/transactions/ctl-r/refund`, 'POST', { amount: 1000 })).body,
    ).toMatchObject({
      transaction_status: 'partial_refund',
    });
    await sim.snap({ transaction_details: { order_id: 'ctl-s', gross_amount: 9000 } });
    expect(
      (await call(`${sim.url}/_sim/transactions/ctl-s/choose`, 'POST', { payment_type: 'indomaret' })).body,
    ).toMatchObject({
      payment_type: 'cstore',
      store: 'indomaret',
    });
  });

  it('requires the control token when one is configured', async () => {
    const { sim } = await startHarness({ controlToken: 'letmein' });
    expect((await call(`${sim.url}/_sim/transactions`, 'GET')).status).toBe(401);
    expect(
      (await call(`${sim.url}/_sim/transactions`, 'GET', undefined, { authorization: 'Bearer letmein' }))
        .status,
    ).toBe(200);
  });
});

describe('Core API request handling', () => {
  it('accepts a GET status call that carries a JSON body', async () => {
    const { sim } = await startHarness();
    await sim.charge(vaCharge('get-body'));
    expect(await getWithBody(`${sim.url}/v2/get-body/status`, '{}')).toBe(200);
  });

  it('accepts a POST with the JSON content type and no body', async () => {
    const { sim } = await startHarness();
    await sim.charge(vaCharge('empty-post'));
    const response = await fetch(`${sim.url}/v2/empty-post/cancel`, {
      method: 'POST',
      headers: { authorization: basicAuthHeader(TEST_KEY), 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ transaction_status: 'cancel' });
  });

  it('answers 400 with validation_messages for a bad charge', async () => {
    const { sim } = await startHarness();
    const bad = await call(
      `${sim.url}/v2/charge`,
      'POST',
      { payment_type: 'bank_transfer', transaction_details: { order_id: 'a b', gross_amount: 0 } },
      { authorization: basicAuthHeader(TEST_KEY) },
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status_code: '400' });
    expect((bad.body as { validation_messages: string[] }).validation_messages.length).toBeGreaterThanOrEqual(
      2,
    );
  });
});
