// SHOP_ORDERS=adapter over a shop schema Lunas did not create: `public.orders (id, code,
// grand_total bigint, state)`, read through the shop's view and changed through its function,
// with Lunas's tables in their own schema (DATABASE_SCHEMA=lunas). The shop inserts no payment
// rows: Lunas records them. The sweep is off: only notifications, confirmed with Get Status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPayment, syncLogs } from '../harness/db.js';
import { vaCharge } from '../harness/midtrans.js';
import { ADAPTER_ENV, insertShopOrder, readShopOrder, seedShop } from '../harness/shop.js';
import { startSystem, type TestSystem } from '../harness/system.js';
import { waitFor } from '../harness/wait-for.js';

let system: TestSystem;

beforeAll(async () => {
  system = await startSystem({
    label: 'adapter',
    simNotifies: true,
    seedDb: seedShop,
    env: { ...ADAPTER_ENV, RECONCILE_ENABLED: 'false', NOTIFICATION_BACKOFF_MS: '200' },
  });
});
afterAll(async () => {
  await system.close();
});

const sql = () => system.db.sql;

describe('adapter mode', () => {
  it('a settlement makes the shop order paid through its function and leaves its other columns', async () => {
    const before = await insertShopOrder(sql(), 'SHOP-PAID-1', 150000);
    const charge = await vaCharge(system.sim, 'SHOP-PAID-1');
    // The pending notification: Lunas records the payment row itself (source 'lunas').
    await waitFor(async () => (await readPayment(sql(), 'SHOP-PAID-1'))?.paymentStatus === 'PENDING', {
      what: 'the Lunas payment row',
    });
    await system.sim.pay(charge.transaction_id);
    await waitFor(async () => (await readShopOrder(sql(), 'SHOP-PAID-1'))?.state === 'paid', {
      what: "the shop's order paid",
    });
    const after = await readShopOrder(sql(), 'SHOP-PAID-1');
    expect(after).toEqual({ ...before, state: 'paid' });
    // Lunas's side: one payment row of its own, PAID, under its mirror of the order.
    const rows = await sql()<{ source: string; status: string; tx: string; orderStatus: string }[]>`
      SELECT p.source, p.payment_status AS status, p.transaction_id AS tx, o.status AS "orderStatus"
      FROM orders o JOIN order_payments p ON p.order_id = o.id WHERE o.order_code = 'SHOP-PAID-1'`;
    expect(rows).toEqual([
      { source: 'lunas', status: 'PAID', tx: charge.transaction_id, orderStatus: 'PAID' },
    ]);
    const logs = await syncLogs(sql(), 'SHOP-PAID-1');
    // The row starts PENDING (the pending notification is its duplicate), then one transition.
    expect(logs.filter((l) => l.outcome === 'applied').map((l) => l.toStatus)).toEqual(['PAID']);
    // Nothing of Lunas's landed in the shop's schema.
    const publicTables = await sql()<{ name: string }[]>`
      SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`;
    expect(publicTables.map((t) => t.name)).toEqual(['orders']);
  });

  it('the incident race: a notification that arrives before the shop order waits, then applies', async () => {
    const charge = await vaCharge(system.sim, 'SHOP-LATE-1');
    await system.sim.pay(charge.transaction_id);
    // The notifications are in and retrying: the order is not in the view yet.
    await waitFor(
      () => system.logs.lines.some((l) => l.includes('no payment row for this notification yet')),
      { what: 'a notification waiting for its order' },
    );
    expect(await readPayment(sql(), 'SHOP-LATE-1')).toBeNull();
    const before = await insertShopOrder(sql(), 'SHOP-LATE-1', 150000);
    await waitFor(async () => (await readShopOrder(sql(), 'SHOP-LATE-1'))?.state === 'paid', {
      what: 'the late order paid',
      timeoutMs: 20_000,
    });
    expect(await readShopOrder(sql(), 'SHOP-LATE-1')).toEqual({ ...before, state: 'paid' });
    expect((await readPayment(sql(), 'SHOP-LATE-1'))?.paymentStatus).toBe('PAID');
  });

  it('an amount that differs from the view is rejected and the shop order stays pending', async () => {
    await insertShopOrder(sql(), 'SHOP-AMT-1', 99000);
    const charge = await vaCharge(system.sim, 'SHOP-AMT-1', 150000);
    await system.sim.pay(charge.transaction_id);
    await waitFor(async () => (await syncLogs(sql(), 'SHOP-AMT-1')).some((l) => l.outcome === 'rejected'), {
      what: 'the amount rejection',
    });
    expect((await readShopOrder(sql(), 'SHOP-AMT-1'))?.state).toBe('pending');
  });
});
