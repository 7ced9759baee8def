/**
 * The console in a real browser: Debian's Chromium (apt-get install chromium), driven by
 * playwright-core, logs in, sees the queues in Bull Board, finds a payment whose notification
 * was lost, presses "Sync payment status" against the simulator and sees the row turn PAID
 * live, then leave the Stuck table. Saves a screenshot to artifacts/console.png (git-ignored);
 * `npm run docs:screenshot` writes the docs' docs/images/console.png instead.
 *
 * Nothing is skipped: without /usr/bin/chromium this test fails and says how to install it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPayment } from '../harness/db.js';
import {
  chargedOrder,
  startReconcileSystem,
  TEST_ADMIN_TOKEN,
  type ReconcileSystem,
} from '../harness/reconcile.js';
import { REPO_ROOT } from '../harness/system.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let rs: ReconcileSystem;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
let base: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it with "apt-get update && apt-get install -y chromium" (or set CHROMIUM_PATH)`,
    );
  }
  rs = await startReconcileSystem({
    label: 'browser',
    // Only the button checks Midtrans here: the sweep must not fix the payment first.
    env: { RECONCILE_EVERY_MS: '600000', RECONCILE_MIN_AGE_MS: '600000' },
  });
  // Chromium treats http://localhost as a secure context, so the Secure cookie is kept.
  base = rs.system.apiUrl.replace('127.0.0.1', 'localhost');
  userDataDir = mkdtempSync(join(tmpdir(), 'lunas-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) {
    rmSync(userDataDir, { recursive: true, force: true });
  }
  await rs?.close();
});

describe('payments console in Chromium', () => {
  it('logs in, shows Bull Board, and turns a stuck payment PAID live after Sync', async () => {
    // 1. Unauthenticated: sent to the login page; sign in.
    await page.goto(`${base}/admin/queues`);
    await page.waitForURL(/\/admin\/login\?next=/);
    await page.fill('#token', TEST_ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${base}/admin/queues`), page.click('button[type="submit"]')]);

    // 2. Bull Board lists the Lunas queues.
    await page.getByText('payment-notifications').first().waitFor();
    await page.getByText('payment-reconcile').first().waitFor();

    // 3. A payment whose settlement notification was lost: it stays PENDING.
    await chargedOrder(rs, 'WEB-1001');
    await chargedOrder(rs, 'WEB-1002', 275000);
    rs.sim.faults.set({ drop: true, times: 1 }, { orderId: 'WEB-1001' });
    await rs.sim.pay('WEB-1001');
    await rs.sim.idle();
    expect((await readPayment(rs.system.db.sql, 'WEB-1001'))?.paymentStatus).toBe('PENDING');

    // 4. The console shows it as stuck.
    await page.goto(`${base}/admin?stuckMinutes=0`);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.locator('#live-status.on').waitFor();
    const row = page.locator('#stuck-rows tr[data-order="WEB-1001"]');
    await expect
      .poll(() => row.locator('[data-role="status"]').textContent(), { timeout: 20_000 })
      .toBe('PENDING');

    // 5. Sync: the manual check asks the simulator, and the live event turns the row PAID.
    await row.locator('button.sync').click();
    await expect
      .poll(() => row.locator('[data-role="status"]').textContent(), { timeout: 20_000 })
      .toBe('PAID');
    await expect
      .poll(() => page.locator('#sync-result').textContent(), { timeout: 20_000 })
      .toContain('PENDING → PAID');
    await page.locator('#feed li[data-order="WEB-1001"]').first().waitFor();
    await page.screenshot({
      path: join(REPO_ROOT, process.env.CONSOLE_SCREENSHOT ?? 'artifacts/console.png'),
      fullPage: true,
    });

    // 6. …then it leaves the Stuck table, without a reload.
    await row.waitFor({ state: 'detached', timeout: 20_000 });
    expect(await page.locator('#stuck-rows tr[data-order="WEB-1002"]').count()).toBe(1);
    expect((await readPayment(rs.system.db.sql, 'WEB-1001'))?.paymentStatus).toBe('PAID');
  });
});
