/**
 * Fields for log lines built from what a client sent. An order id is at most 50 characters
 * at Midtrans, but an unauthenticated request can send anything up to the body limit: a log
 * line carries its first 64 characters, and its length when it was cut.
 */
export const LOG_ORDER_ID_MAX = 64;

export function orderIdFields(orderId: unknown): { orderId?: unknown; orderIdLength?: number } {
  if (typeof orderId !== 'string') {
    return orderId === undefined ? {} : { orderId };
  }
  return orderId.length > LOG_ORDER_ID_MAX
    ? { orderId: `${orderId.slice(0, LOG_ORDER_ID_MAX)}…`, orderIdLength: orderId.length }
    : { orderId };
}
