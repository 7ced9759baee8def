/**
 * ingestNotification: the whole webhook decision, with the queue injected. It never touches
 * Postgres: it verifies, validates and enqueues; the worker decides what the notification means.
 *
 * Order of checks:
 *   1. the body is JSON (else 400: Midtrans retries a 400 twice, harmless);
 *   2. it carries a signature_key (else 401);
 *   3. the signed fields and the ids the pipeline needs are present (else 400);
 *   4. the signature matches (else 401, nothing enqueued);
 *   5. Redis acknowledges the job within the bound (else 503: Midtrans retries 4 times).
 */
import {
  notificationJobId,
  notificationJobOptions,
  type NotificationJobData,
  type NotificationRetryPolicy,
} from '@lunas/core';
import { notificationSchema, verifySignature } from '@lunas/midtrans';

export type IngestOutcome =
  | { readonly kind: 'accepted'; readonly jobId: string; readonly orderId: string }
  | { readonly kind: 'bad_json' }
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
}

export async function ingestNotification(deps: IngestDeps, rawBody: string): Promise<IngestOutcome> {
  // 1. JSON.
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return { kind: 'bad_json' };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { kind: 'bad_json' };
  }
  const record = body as Record<string, unknown>;
  const orderId = typeof record.order_id === 'string' ? record.order_id : null;

  // 2. A signature at all.
  if (typeof record.signature_key !== 'string' || record.signature_key.length === 0) {
    return { kind: 'bad_signature', orderId };
  }

  // 3. The fields we need.
  const parsed = notificationSchema.safeParse(record);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))];
    return { kind: 'invalid', orderId, fields };
  }
  const n = parsed.data;

  // 4. Signature over the raw strings.
  if (!verifySignature(n, n.signature_key, deps.serverKey)) {
    return { kind: 'bad_signature', orderId: n.order_id };
  }

  // 5. Durable enqueue.
  const jobId = notificationJobId({
    transactionId: n.transaction_id,
    transactionStatus: n.transaction_status,
    statusCode: n.status_code,
    refundAmount: n.refund_amount ?? undefined,
  });
  try {
    await deps.enqueue(
      { rawBody, receivedAt: (deps.now?.() ?? new Date()).toISOString() },
      notificationJobOptions(jobId, deps.retryPolicy),
    );
  } catch (error) {
    return {
      kind: 'queue_unavailable',
      orderId: n.order_id,
      reason: error instanceof Error ? error.message : String(error),
    };
  }
  return { kind: 'accepted', jobId, orderId: n.order_id };
}
