/** The one log line of a decided payment result, shared by the notification and reconcile processors. */
import type { Logger } from 'pino';
import type { ApplyStatusResult } from '../sync/apply-status.js';

/** Most characters of an order id that go into a log line. */
const LOG_ID_MAX = 64;

/** An id cut to LOG_ID_MAX characters (an unauthenticated body may carry a huge one). */
export const shortId = (id: string): string =>
  id.length > LOG_ID_MAX ? `${id.slice(0, LOG_ID_MAX)}…(${id.length})` : id;

export function logResult(logger: Logger, result: ApplyStatusResult, midtransStatus: string): void {
  const fields = {
    orderCode: shortId(result.orderCode),
    paymentId: result.paymentId,
    outcome: result.outcome,
    from: result.from,
    to: result.to,
    midtransStatus,
    ...(result.mismatch ? { mismatch: result.mismatch } : {}),
    ...(result.paymentCreated ? { paymentCreated: true } : {}),
  };
  if (result.reversal) {
    logger.error(
      { ...fields, reversal: true },
      'Midtrans reversed a paid payment; treat the order as unpaid',
    );
  } else if (result.outcome === 'rejected') {
    logger.error(
      { ...fields, reasonCode: result.reasonCode, reason: result.reason },
      'payment result rejected',
    );
  } else if (result.mismatch) {
    logger.error(fields, 'payment on the mismatch ledger');
  } else {
    logger.info(fields, 'payment result recorded');
  }
}
