/**
 * `npm run adopt -- --since 7d [--dry-run]`: the cut-over's catch-up (docs/adopting.md). Lists
 * the shop's orders that the view shop_orders shows as created since then; for each one still
 * unpaid (PENDING or PAYMENT_REVERSED) asks Midtrans (Get Status by order id) through the
 * fleet's shared rate limit and circuit, at background priority so live confirmations go first,
 * and applies the answer through the same state machine as every notification
 * (applyMidtransStatus, sync_type 'manual'). Payments that were in flight at cut-over are thus
 * neither lost nor applied twice: a second run finds them paid and changes nothing.
 *
 * Prints a summary: found (paid at Midtrans, now recorded), already paid, still pending, not
 * paid (expired, cancelled, denied), unknown to Midtrans, and failed (asked but not settled: an
 * amount the view disagrees with, Midtrans unavailable). --dry-run asks Midtrans but writes
 * nothing. Reads the same environment as the worker (DATABASE_URL, DATABASE_SCHEMA,
 * SHOP_ORDERS, REDIS_URL, QUEUE_PREFIX, MIDTRANS_*).
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  decideTransition,
  FAILED_STATUSES,
  isAppError,
  isPaymentStatus,
  mapMidtransStatus,
  OPEN_STATUSES,
} from '@lunas/core';
import {
  createSql,
  findOrdersForMidtrans,
  listShopOrdersSince,
  matchPayment,
  type ShopOrdersMode,
  type Sql,
} from '@lunas/db';
import { toNotification, withoutSignature, type MidtransClient, type StatusResult } from '@lunas/midtrans';
import { createLogger, createWorkerRedis, type Logger } from '@lunas/runtime';
import { applyMidtransStatus, createFleetMidtrans, loadWorkerConfig } from '@lunas/worker';

export interface AdoptSummary {
  /** Orders the view shows as created in the window. */
  listed: number;
  /** Paid at Midtrans and now recorded as paid. */
  found: number;
  alreadyPaid: number;
  stillPending: number;
  /** Expired, cancelled or denied at Midtrans. */
  notPaid: number;
  unknownToMidtrans: number;
  /** Asked but not settled (an amount mismatch, Midtrans unavailable, no payment row): see the log. */
  failed: number;
  /** In another status of the shop's (shipped, cancelled, …): not asked. */
  skipped: number;
}

export interface AdoptDeps {
  readonly sql: Sql;
  readonly midtrans: MidtransClient;
  readonly logger: Logger;
  readonly shopOrders: ShopOrdersMode;
  readonly now?: () => Date;
  /** How often a busy or circuit-open Midtrans is waited for, per order. */
  readonly maxWaits?: number;
}

export interface AdoptOptions {
  readonly sinceMs: number;
  readonly dryRun: boolean;
}

const UNPAID = new Set(['PENDING', 'PAYMENT_REVERSED']);

/** "7d", "36h", "90m" → ms. */
export function parseSince(text: string): number {
  const match = /^(\d{1,6})([mhd])$/.exec(text.trim());
  if (!match) {
    throw new Error('--since takes a number and a unit: 90m, 36h or 7d');
  }
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export async function runAdopt(deps: AdoptDeps, options: AdoptOptions): Promise<AdoptSummary> {
  const now = deps.now ?? (() => new Date());
  const summary: AdoptSummary = {
    listed: 0,
    found: 0,
    alreadyPaid: 0,
    stillPending: 0,
    notPaid: 0,
    unknownToMidtrans: 0,
    failed: 0,
    skipped: 0,
  };
  const orders = await listShopOrdersSince(deps.sql, new Date(now().getTime() - options.sinceMs));
  summary.listed = orders.length;
  for (const order of orders) {
    const status = order.status ?? '';
    if (status === 'PAID') {
      summary.alreadyPaid += 1;
      continue;
    }
    if (!UNPAID.has(status)) {
      summary.skipped += 1;
      continue;
    }
    const answer = await askMidtrans(deps, order.orderCode);
    const fields = { orderCode: order.orderCode };
    if (answer.kind === 'not_found') {
      summary.unknownToMidtrans += 1;
      continue;
    }
    if (answer.kind === 'unauthorized') {
      throw new Error('Midtrans rejected the server key (401): check MIDTRANS_SERVER_KEY');
    }
    if (answer.kind !== 'found' && answer.kind !== 'expired') {
      deps.logger.warn({ ...fields, answer: answer.kind }, 'adopt: Midtrans did not answer; run again later');
      summary.failed += 1;
      continue;
    }
    if (answer.signature === 'invalid') {
      deps.logger.error(fields, 'adopt: Get Status answer carries a wrong signature_key; not applied');
      summary.failed += 1;
      continue;
    }
    const confirmed = toNotification(answer.status);
    const mapped = mapMidtransStatus(confirmed.transaction_status, confirmed.fraud_status);
    const kind: keyof AdoptSummary =
      mapped === 'PAID'
        ? 'found'
        : mapped !== null && OPEN_STATUSES.has(mapped)
          ? 'stillPending'
          : mapped !== null && FAILED_STATUSES.has(mapped)
            ? 'notPaid'
            : 'failed';
    if (options.dryRun) {
      summary[kind] += 1;
      continue;
    }
    // What Lunas already holds for this transaction: nothing to write (a second run).
    const known = await findOrdersForMidtrans(
      deps.sql,
      [{ midtransOrderId: confirmed.order_id, baseOrderId: null }],
      false,
    );
    const held = known.orders[0];
    const payments = held ? (known.payments.get(held.orderId) ?? []) : [];
    const target = matchPayment(payments, confirmed.transaction_id);
    if (
      mapped !== null &&
      target?.transactionId === confirmed.transaction_id &&
      isPaymentStatus(target.paymentStatus) &&
      decideTransition(
        { status: target.paymentStatus, refundedAmount: target.refundedAmount },
        { status: mapped, refundedAmount: confirmed.refund_amount ?? null },
      ).kind !== 'apply'
    ) {
      summary[kind === 'found' ? 'alreadyPaid' : kind] += 1;
      continue;
    }
    try {
      const result = await applyMidtransStatus(deps.sql, {
        syncType: 'manual',
        status: confirmed,
        payload: withoutSignature(answer.body),
        confirmation: withoutSignature(answer.body),
        jobId: 'adopt',
        shopOrders: deps.shopOrders,
      });
      if (result.outcome === 'rejected') {
        deps.logger.error(
          { ...fields, reasonCode: result.reasonCode, reason: result.reason },
          'adopt: Midtrans answer rejected',
        );
        summary.failed += 1;
      } else {
        summary[kind] += 1;
      }
    } catch (error) {
      if (isAppError(error) && error.code === 'LUNAS_ERR_PAYMENT_NOT_FOUND') {
        deps.logger.warn(fields, 'adopt: the order has no payment row (SHOP_ORDERS=builtin); not applied');
        summary.failed += 1;
        continue;
      }
      throw error;
    }
  }
  return summary;
}

/** Get Status by order id; a busy Midtrans or an open circuit is waited for (bounded). */
async function askMidtrans(deps: AdoptDeps, orderCode: string): Promise<StatusResult> {
  const maxWaits = deps.maxWaits ?? 20;
  for (let wait = 0; ; wait += 1) {
    const answer = await deps.midtrans.getStatus(orderCode, { priority: 'background' });
    const delayMs =
      answer.kind === 'circuit_open'
        ? answer.retryInMs
        : answer.kind === 'retryable'
          ? (answer.retryAfterMs ?? 1_000 * 2 ** Math.min(wait, 5))
          : null;
    if (delayMs === null || wait >= maxWaits) {
      return answer;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(delayMs, 100), 60_000)));
  }
}

export function formatSummary(summary: AdoptSummary, dryRun: boolean): string {
  const lines = [
    `${dryRun ? 'adopt (dry run: nothing written)' : 'adopt'}: ${summary.listed} orders in the window`,
    `  found (paid at Midtrans, ${dryRun ? 'would be recorded' : 'now recorded'}): ${summary.found}`,
    `  already paid: ${summary.alreadyPaid}`,
    `  still pending: ${summary.stillPending}`,
    `  not paid (expired, cancelled, denied): ${summary.notPaid}`,
    `  unknown to Midtrans: ${summary.unknownToMidtrans}`,
    `  failed (see the log; run again): ${summary.failed}`,
    `  skipped (another status of the shop's): ${summary.skipped}`,
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { since: { type: 'string', default: '7d' }, 'dry-run': { type: 'boolean', default: false } },
  });
  const sinceMs = parseSince(values.since);
  const dryRun = values['dry-run'];
  const config = loadWorkerConfig(process.env);
  const logger = createLogger({ name: 'lunas-adopt', level: config.LOG_LEVEL });
  const sql = createSql({
    url: config.DATABASE_URL,
    applicationName: 'lunas-adopt',
    max: 2,
    logger,
    schema: config.DATABASE_SCHEMA,
  });
  const redis = createWorkerRedis(config.REDIS_URL, logger);
  try {
    const midtrans = createFleetMidtrans({ config, redis, logger });
    const summary = await runAdopt(
      { sql, midtrans: midtrans.client, logger, shopOrders: config.SHOP_ORDERS },
      { sinceMs, dryRun },
    );
    console.log(formatSummary(summary, dryRun));
  } finally {
    await sql.end({ timeout: 5 });
    redis.disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`adopt failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
