/**
 * ingestNotification: the whole webhook decision, with the queue injected. It never touches
 * Postgres: it verifies, validates and enqueues; the worker confirms with Midtrans what the
 * notification claims before anything changes (docs/midtrans.md, "What the signature does not bind").
 *
 * Order of checks (verifyNotificationBody in @lunas/midtrans):
 *   1. the body is a JSON object (else 400: Midtrans retries a 400 twice, harmless);
 *   2. it is not a subscription notification (those carry no signature: 400, deliberately);
 *   3. it carries a signature_key (else 401);
 *   4. the fields the pipeline needs are present, status_code and gross_amount in Midtrans's
 *      strict formats, and the status_code can belong to the transaction_status (else 400);
 *   5. the signature matches (else 401, nothing enqueued);
 *   6. Redis acknowledges the job within the bound (else 503: Midtrans retries 4 times).
 * The job carries the body without its signature_key, sealed for the worker (seal.ts).
 */
import {
  notificationJobId,
  notificationJobOptions,
  type NotificationJobData,
  type NotificationRetryPolicy,
} from '@lunas/core';
import {
  notificationIdentity,
  parseJsonObject,
  sealNotification,
  verifyNotificationBody,
  withoutSignature,
} from '@lunas/midtrans';

export type IngestOutcome =
  | { readonly kind: 'accepted'; readonly jobId: string; readonly orderId: string }
  | { readonly kind: 'bad_json' }
  | { readonly kind: 'subscription' }
  | { readonly kind: 'invalid'; readonly orderId: string | null; readonly fields: string[] }
  | { readonly kind: 'bad_signature'; readonly orderId: string | null }
  | { readonly kind: 'queue_unavailable'; readonly orderId: string; readonly reason: string };

export type Enqueue = (
  data: NotificationJobData,
  options: ReturnType<typeof notificationJobOptions>,
) => Promise<void>;

export interface IngestDeps {
  readonly serverKey: string;
  readonly retryPolicy: NotificationRetryPolicy;
  readonly enqueue: Enqueue;
  readonly now?: () => Date;
  /** FORWARD_NOTIFICATION_URL: queues the accepted body, verbatim, for the old handler (forward.ts). */
  readonly forward?: (rawBody: string, notificationJobId: string) => void;
}

export async function ingestNotification(deps: IngestDeps, rawBody: string): Promise<IngestOutcome> {
  const record = parseJsonObject(rawBody);
  if (!record) {
    return { kind: 'bad_json' };
  }
  const verified = verifyNotificationBody(record, deps.serverKey);
  switch (verified.kind) {
    case 'verified':
      break;
    case 'subscription':
      return { kind: 'subscription' };
    case 'invalid':
      return { kind: 'invalid', orderId: verified.orderId, fields: verified.fields };
    case 'bad_status_code':
      return { kind: 'invalid', orderId: verified.orderId, fields: ['status_code'] };
    case 'bad_signature':
      return { kind: 'bad_signature', orderId: verified.orderId };
  }
  const n = verified.notification;

  // Durable enqueue of the body without its signature, sealed.
  const jobId = notificationJobId(notificationIdentity(n));
  const body = JSON.stringify(withoutSignature(record));
  try {
    await deps.enqueue(
      {
        rawBody: body,
        receivedAt: (deps.now?.() ?? new Date()).toISOString(),
        seal: sealNotification(body, deps.serverKey),
      },
      notificationJobOptions(jobId, deps.retryPolicy),
    );
  } catch (error) {
    return {
      kind: 'queue_unavailable',
      orderId: n.order_id,
      reason: error instanceof Error ? error.message : String(error),
    };
  }
  // Only once the notification job is in: the forward never decides the answer.
  deps.forward?.(rawBody, jobId);
  return { kind: 'accepted', jobId, orderId: n.order_id };
}
