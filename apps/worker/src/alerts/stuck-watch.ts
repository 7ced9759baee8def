/**
 * Raises a stuck_payment alert for each payment PENDING past ALERT_STUCK_AFTER_MINUTES. Every
 * worker process runs the check; the alerter's dedupe makes it one message per payment.
 * Checks never overlap, and a failed one waits for the next tick.
 */
import { findStuckPayments, type Sql } from '@lunas/db';
import type { Logger } from 'pino';
import { stuckPaymentAlert } from './alert-rules.js';
import type { Alerter } from './alerter.js';

/** Most alerts one check raises; a flood past this shows as lunas_stuck_payments instead. */
const MAX_PER_CHECK = 50;

export interface StuckWatch {
  /** One check now (tests call it; the timer calls it every interval). */
  check(): Promise<number>;
  stop(): void;
}

export function startStuckWatch(deps: {
  readonly sql: Sql;
  readonly alerter: Alerter;
  readonly logger: Logger;
  readonly afterMinutes: number;
  readonly everyMs: number;
}): StuckWatch {
  let running: Promise<number> | null = null;
  const check = (): Promise<number> => {
    running ??= (async () => {
      const rows = await findStuckPayments(deps.sql, {
        olderThanMinutes: deps.afterMinutes,
        limit: MAX_PER_CHECK,
      });
      let raised = 0;
      for (const row of rows) {
        if (
          await deps.alerter.raise(
            stuckPaymentAlert(row.orderCode, row.paymentId, Math.floor(row.ageSeconds / 60)),
          )
        ) {
          raised += 1;
        }
      }
      return raised;
    })().finally(() => {
      running = null;
    });
    return running;
  };
  const timer =
    deps.everyMs > 0
      ? setInterval(() => {
          check().catch((error: unknown) =>
            deps.logger.warn({ err: error }, 'stuck payment check failed; next tick retries'),
          );
        }, deps.everyMs)
      : null;
  timer?.unref();
  return {
    check,
    stop() {
      if (timer) {
        clearInterval(timer);
      }
    },
  };
}
