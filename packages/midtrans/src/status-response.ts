/**
 * Get Status answers, classified. Pure: it sees an HTTP status and a parsed body (or none) and
 * returns one member of a typed union, so every caller handles every case exhaustively.
 *
 * Midtrans signals errors twice: by the HTTP status and by `status_code` in the body. The
 * official clients fail on either ≥ 400 except 407 (docs/midtrans.md, "Get Status"), so both
 * are read here, the body first: an unknown order may come as HTTP 200 with a "404" body
 * (UNCONFIRMED), and we treat that exactly like HTTP 404.
 */
import { z } from 'zod';
import { notificationSchema, type MidtransNotification } from './notification.js';
import { verifySignature } from './signature.js';

/** The error body Midtrans sends for 401/404/429/5xx: strings, status_message optional. */
const errorBodySchema = z.looseObject({
  status_code: z.union([z.string(), z.number()]).transform((v) => String(v)),
  status_message: z.string().optional(),
});

/**
 * A Get Status body is a notification body without a guaranteed signature: the protocol
 * documents signature_key in status answers, but authenticity already comes from the
 * authenticated TLS request, so its absence is tolerated (and recorded) rather than fatal.
 */
export const statusBodySchema = notificationSchema.extend({ signature_key: z.string().optional() });

export type RetryableReason =
  'rate_limited' | 'server_error' | 'timeout' | 'network' | 'bad_response' | 'local_rate_limit';

export type StatusResult =
  /** A status (200 success/cancel, 201 pending, 202 deny): apply it. */
  | {
      readonly kind: 'found';
      readonly status: StatusBody;
      readonly body: Record<string, unknown>;
      readonly signature: SignatureCheck;
    }
  /** 407: the transaction expired. A normal status answer, not an error. */
  | {
      readonly kind: 'expired';
      readonly status: StatusBody;
      readonly body: Record<string, unknown>;
      readonly signature: SignatureCheck;
    }
  /** 404: Midtrans does not know the id (yet: a Snap order before a method is chosen). */
  | { readonly kind: 'not_found'; readonly message: string }
  /** 401: the server key is wrong. A configuration error: retrying cannot help. */
  | { readonly kind: 'unauthorized'; readonly message: string }
  /** 429, 5xx, timeouts, network errors, unreadable answers: try again later. */
  | {
      readonly kind: 'retryable';
      readonly reason: RetryableReason;
      readonly httpStatus: number | null;
      readonly message: string;
      readonly retryAfterMs?: number;
    }
  /** The fleet-wide circuit is open: no call was made. */
  | { readonly kind: 'circuit_open'; readonly retryInMs: number }
  /** Any other 4xx: a request Midtrans will never accept as sent. */
  | { readonly kind: 'failed'; readonly httpStatus: number; readonly message: string };

export type StatusBody = z.infer<typeof statusBodySchema>;

/**
 * The status body's own signature_key (same formula as notifications, §2/§6.1). 'missing' is
 * tolerated: the answer came over TLS to a request authenticated with our key. 'invalid' is
 * not: something between us and Midtrans altered it, and it must not move money.
 */
export type SignatureCheck = 'valid' | 'missing' | 'invalid';

/** Signature fields normalised for the state machine (which expects a string signature). */
export function toNotification(status: StatusBody): MidtransNotification {
  return { ...status, signature_key: status.signature_key ?? '' };
}

export function classifyStatusResponse(httpStatus: number, body: unknown, serverKey: string): StatusResult {
  const errorBody = errorBodySchema.safeParse(body);
  const bodyCode = errorBody.success ? Number(errorBody.data.status_code) : Number.NaN;
  const message = (errorBody.success ? errorBody.data.status_message : undefined) ?? `HTTP ${httpStatus}`;
  // The body's code wins when it is an error code; otherwise the HTTP status decides.
  const code =
    Number.isFinite(bodyCode) && bodyCode >= 400 && bodyCode !== 407
      ? bodyCode
      : httpStatus >= 400 && httpStatus !== 407
        ? httpStatus
        : bodyCode;

  if (code === 404) {
    return { kind: 'not_found', message };
  }
  if (code === 401) {
    return { kind: 'unauthorized', message };
  }
  if (code === 429) {
    return { kind: 'retryable', reason: 'rate_limited', httpStatus, message };
  }
  if (code >= 500 || httpStatus >= 500) {
    return { kind: 'retryable', reason: 'server_error', httpStatus, message };
  }
  if (code >= 400 && code !== 407) {
    return { kind: 'failed', httpStatus, message };
  }
  const parsed = statusBodySchema.safeParse(body);
  if (!parsed.success) {
    // A 2xx that is not a status is a proxy page or a truncated answer: ask again later.
    return {
      kind: 'retryable',
      reason: 'bad_response',
      httpStatus,
      message: 'status answer is not a Midtrans status body',
    };
  }
  const raw = body as Record<string, unknown>;
  const status = parsed.data;
  const signature: SignatureCheck = !status.signature_key
    ? 'missing'
    : verifySignature(status, status.signature_key, serverKey)
      ? 'valid'
      : 'invalid';
  return status.status_code === '407' || status.transaction_status.toLowerCase() === 'expire'
    ? { kind: 'expired', status, body: raw, signature }
    : { kind: 'found', status, body: raw, signature };
}
