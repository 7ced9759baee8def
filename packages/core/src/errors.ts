/**
 * Every unexpected failure Lunas raises is an AppError with a stable code. Expected outcomes
 * (a forged signature, a stale notification) are values, not errors.
 */
export const ERROR_CATALOG = {
  LUNAS_ERR_CONFIG: { httpStatus: 500, retryable: false, message: 'Invalid configuration' },
  LUNAS_ERR_BAD_JSON: { httpStatus: 400, retryable: false, message: 'Request body is not valid JSON' },
  LUNAS_ERR_BAD_REQUEST: { httpStatus: 400, retryable: false, message: 'Bad request' },
  LUNAS_ERR_BAD_NOTIFICATION: {
    httpStatus: 400,
    retryable: false,
    message: 'Notification is missing required fields',
  },
  LUNAS_ERR_UNSUPPORTED_NOTIFICATION: {
    httpStatus: 400,
    retryable: false,
    message: 'Subscription (recurring) notifications are not handled by this endpoint',
  },
  LUNAS_ERR_BAD_SIGNATURE: { httpStatus: 401, retryable: false, message: 'Missing or invalid signature_key' },
  LUNAS_ERR_BODY_TOO_LARGE: { httpStatus: 413, retryable: false, message: 'Request body is too large' },
  LUNAS_ERR_UNSUPPORTED_MEDIA: { httpStatus: 415, retryable: false, message: 'Unsupported content type' },
  LUNAS_ERR_QUEUE_UNAVAILABLE: {
    httpStatus: 503,
    retryable: true,
    message: 'Queue unavailable; retry later',
  },
  LUNAS_ERR_NOT_FOUND: { httpStatus: 404, retryable: false, message: 'Not found' },
  LUNAS_ERR_UNAUTHORIZED: { httpStatus: 401, retryable: false, message: 'Unauthorized' },
  LUNAS_ERR_CSRF: { httpStatus: 403, retryable: false, message: 'Missing or invalid CSRF token' },
  LUNAS_ERR_READ_ONLY: { httpStatus: 405, retryable: false, message: 'This view is read-only' },
  LUNAS_ERR_CONFLICT: { httpStatus: 409, retryable: false, message: 'Conflicts with the current state' },
  LUNAS_ERR_RATE_LIMITED: { httpStatus: 429, retryable: true, message: 'Too many attempts; retry later' },
  LUNAS_ERR_PAYMENT_NOT_FOUND: {
    httpStatus: 404,
    retryable: true,
    message: 'No payment row matches this notification yet',
  },
  LUNAS_ERR_MIDTRANS_REFUSED: {
    httpStatus: 502,
    retryable: false,
    message: 'Midtrans refused the charge; the payment row stays for reconciliation',
  },
  LUNAS_ERR_MIDTRANS_UNAVAILABLE: {
    httpStatus: 504,
    retryable: true,
    message: 'Midtrans did not answer the charge; retry with the same Idempotency-Key',
  },
  LUNAS_ERR_INTERNAL: { httpStatus: 500, retryable: false, message: 'Internal error' },
} as const satisfies Record<string, { httpStatus: number; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    const entry = ERROR_CATALOG[code];
    super(message ?? entry.message, options);
    this.name = 'AppError';
    this.code = code;
    this.httpStatus = entry.httpStatus;
    this.retryable = entry.retryable;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * How the message of LUNAS_ERR_PAYMENT_NOT_FOUND begins. BullMQ keeps only an error's message in
 * a failed job, so re-drive recognises such dead letters by it: build and match it only here.
 */
export const PAYMENT_NOT_FOUND_PREFIX = 'No payment row for order ';

export function paymentNotFoundMessage(orderId: string, transactionId: string): string {
  return `${PAYMENT_NOT_FOUND_PREFIX}${orderId} (transaction ${transactionId}) yet`;
}

export function isPaymentNotFoundMessage(message: string | undefined | null): boolean {
  return typeof message === 'string' && message.startsWith(PAYMENT_NOT_FOUND_PREFIX);
}

/**
 * Messages of notification jobs that must never be re-driven: the job is not a verified
 * notification, or its body cannot be one. Everything else that dead-letters is re-driven
 * once its cause is gone (docs/reconciliation.md, "Dead letters").
 */
export const PERMANENT_FAILURE_PREFIX = 'permanent: ';

export function permanentFailureMessage(detail: string): string {
  return `${PERMANENT_FAILURE_PREFIX}${detail}`;
}

/** How the message of a notification that waits for Midtrans (unreachable, circuit open, 401) begins. */
export const MIDTRANS_UNAVAILABLE_PREFIX = 'Midtrans unavailable: ';

export type DeadLetterCause = 'payment_not_found' | 'midtrans_unavailable' | 'transient' | 'permanent';

/** Why a notification job dead-lettered, from the only thing BullMQ keeps: its message. */
export function deadLetterCause(message: string | undefined | null): DeadLetterCause {
  if (isPaymentNotFoundMessage(message)) {
    return 'payment_not_found';
  }
  if (typeof message === 'string' && message.startsWith(MIDTRANS_UNAVAILABLE_PREFIX)) {
    return 'midtrans_unavailable';
  }
  if (typeof message === 'string' && message.startsWith(PERMANENT_FAILURE_PREFIX)) {
    return 'permanent';
  }
  // Postgres outages, stalls (a worker killed more often than allowed), lock timeouts.
  return 'transient';
}
