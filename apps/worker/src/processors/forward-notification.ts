/**
 * Consumes notification.forward jobs (FORWARD_NOTIFICATION_URL, docs/adopting.md): POSTs the
 * webhook body, verbatim, to the shop's old handler while the two run side by side. Any 2xx is
 * delivered (the job is then removed); anything else, a timeout or a refused connection throws,
 * and BullMQ retries with the backoff the API set. Nothing here touches Postgres or the
 * notification's own job: neither side's outcome blocks the other. The body holds Midtrans's
 * signature_key and the URL may hold a token: neither is ever logged.
 */
import { FORWARD_JOBS, FORWARD_QUEUES, forwardJobSchema, type ForwardJobData } from '@lunas/core';
import type { Logger, Redis } from '@lunas/runtime';
import { UnrecoverableError, Worker, type Job } from 'bullmq';

export interface ForwardDeps {
  readonly url: string;
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** Injected in tests; global fetch otherwise. */
  readonly fetch?: typeof fetch;
}

export function createForwardProcessor(deps: ForwardDeps) {
  const doFetch = deps.fetch ?? fetch;
  return async function forwardNotification(job: Job<ForwardJobData>): Promise<{ status: number }> {
    const parsed = forwardJobSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError('job data is not a forward job');
    }
    let status: number;
    try {
      const res = await doFetch(deps.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'lunas-forward' },
        body: parsed.data.rawBody,
        redirect: 'manual',
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
      status = res.status;
      await res.body?.cancel().catch(() => undefined);
    } catch (error) {
      const reason = error instanceof Error ? error.name : 'error';
      deps.logger.warn(
        { jobId: job.id, attempt: job.attemptsMade + 1, reason },
        'old handler not reached; will retry',
      );
      throw new Error(`old handler not reached (${reason})`, { cause: error });
    }
    if (status < 200 || status >= 300) {
      deps.logger.warn(
        { jobId: job.id, attempt: job.attemptsMade + 1, status },
        'old handler refused the forward; will retry',
      );
      throw new Error(`old handler answered ${status}`);
    }
    deps.logger.debug({ jobId: job.id, status }, 'notification forwarded to the old handler');
    return { status };
  };
}

export interface ForwardWorkerHandle {
  readonly worker: Worker<ForwardJobData>;
  close(): Promise<void>;
}

/** The forward consumer of a worker process, on the process's consumer connection. */
export function startForwardWorker(options: {
  readonly url: string;
  /** The process's consumer connection (deps.consumerRedis): BullMQ copies it for the Worker. */
  readonly connection: Redis;
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly logger: Logger;
}): ForwardWorkerHandle {
  const logger = options.logger.child({ component: 'forward' });
  const { connection } = options;
  const processor = createForwardProcessor({ url: options.url, timeoutMs: options.timeoutMs, logger });
  const worker = new Worker<ForwardJobData>(
    FORWARD_QUEUES.forward,
    async (job) => {
      if (job.name !== FORWARD_JOBS.forward) {
        throw new UnrecoverableError(`unknown job name ${job.name}`);
      }
      return processor(job);
    },
    { connection, prefix: options.prefix, concurrency: options.concurrency },
  );
  worker.on('error', (error) => logger.warn({ err: { message: error.message } }, 'forward worker error'));
  worker.on('failed', (job, error) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      logger.error(
        { jobId: job.id, attempts: job.attemptsMade, err: { message: error.message } },
        'forward to the old handler failed for good; it stays in the failed set for a week',
      );
    }
  });
  return {
    worker,
    async close() {
      await worker.close();
    },
  };
}
