/**
 * FORWARD_NOTIFICATION_URL (docs/adopting.md): after the webhook has accepted a notification,
 * the same body, verbatim, goes on a queue of its own for the shop's old handler, which a worker
 * POSTs with retries (apps/worker/src/processors/forward-notification.ts). The webhook never
 * waits for it: its 200 depends only on the notification job, and a failure to queue the
 * forward is logged, never answered. The body carries Midtrans's signature_key, which the old
 * handler verifies (SECURITY.md): Bull Board masks it, and the job is removed once delivered.
 */
import { FORWARD_JOBS, forwardJobOptions, withTimeout, type ForwardJobData } from '@lunas/core';
import type { Logger } from '@lunas/runtime';
import type { Queue } from 'bullmq';

/** Queues one forward; never throws and is never awaited by the webhook. */
export type Forward = (rawBody: string, notificationJobId: string) => void;

export function createForward(
  queue: Queue<ForwardJobData>,
  options: { attempts: number; backoffMs: number; timeoutMs: number },
  logger: Logger,
): Forward {
  return (rawBody, notificationJobId) => {
    const data: ForwardJobData = { rawBody, receivedAt: new Date().toISOString() };
    void withTimeout(
      queue.add(FORWARD_JOBS.forward, data, forwardJobOptions(notificationJobId, options)),
      options.timeoutMs,
      `Redis did not acknowledge the forward within ${options.timeoutMs} ms`,
    ).catch((error: unknown) =>
      logger.warn(
        {
          jobId: notificationJobId,
          err: { message: error instanceof Error ? error.message : String(error) },
        },
        'could not queue the notification for the old handler (FORWARD_NOTIFICATION_URL); Lunas processes it anyway',
      ),
    );
  };
}
