/**
 * A Midtrans API error: the body carries status_code/status_message as strings, and the HTTP
 * status matches status_code (the documented-safe reading; see CompatOptions.notFoundHttpStatus).
 * Engine operations throw it; the HTTP layer renders it and the programmatic API rethrows it.
 */
export class MidtransApiError extends Error {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;

  constructor(statusCode: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'MidtransApiError';
    this.statusCode = statusCode;
    this.body = { status_code: String(statusCode), status_message: message, ...extra };
  }
}

export function isMidtransApiError(error: unknown): error is MidtransApiError {
  return error instanceof MidtransApiError;
}

export const errors = {
  unauthorized: () =>
    new MidtransApiError(401, 'Transaction cannot be authorized with the current client/server key.'),
  notFound: () => new MidtransApiError(404, "Transaction doesn't exist."),
  duplicateOrder: () =>
    new MidtransApiError(
      406,
      'The request could not be processed due to duplicate order_id. Please use a unique order_id.',
    ),
  duplicateRefundKey: () =>
    new MidtransApiError(406, 'Duplicate refund_key. The refund request was already processed.'),
  wrongState: (status: string) =>
    new MidtransApiError(
      412,
      `Merchant cannot modify the status of the transaction (current status: ${status}).`,
    ),
  badRefundAmount: () =>
    new MidtransApiError(
      414,
      'Refund amount is invalid: it must be positive and no more than the amount not yet refunded.',
    ),
  validation: (messages: string[]) =>
    new MidtransApiError(400, 'One or more parameters in the payload is invalid.', {
      validation_messages: messages,
    }),
} as const;
