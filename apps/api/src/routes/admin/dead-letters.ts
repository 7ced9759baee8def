/**
 * Dead letters: notifications that ran out of retries (the failed set of the notifications
 * queue), and the one thing ops do with them, put them back to waiting.
 *
 *   GET  /admin/payments/dead-letters?limit=100   newest first: what a person needs to act
 *        (order code, amount, Midtrans status, age, attempts, the error) and nothing more; the
 *        raw body, with its signature, stays in Redis.
 *   POST /admin/dead-letters/:jobId/retry {reason}            one job back to waiting
 *        200 {moved:[…]}, 404 unknown job, 409 the job is not in the failed set
 *   POST /admin/dead-letters/retry {reason, jobIds:[…]}        up to 100 listed jobs, or
 *   POST /admin/dead-letters/retry {reason, failedFrom, failedTo, limit?}  those that failed in
 *        that window (at most `limit`, ≤ 100, oldest first); 200 {moved, skipped}
 *
 * Each retry needs a reason (1–500 characters) and writes one admin_audit row (who: bearer or
 * session id, never the token; what; why) before any job moves, so no move goes unaudited.
 * A retried job starts its attempts afresh (the usual backoff applies again).
 */
import { insertAdminAudit } from '@lunas/db';
import type { Job } from 'bullmq';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sendError } from '../../errors.js';
import { ADMIN_SECURITY, errorBody } from '../../openapi.js';

/** The most jobs one bulk retry moves. */
export const MAX_BULK_RETRY = 100;

const reasonSchema = z.string().trim().min(1).max(500);
const jobIdSchema = z.string().min(1).max(200);
const singleBodySchema = z.object({ reason: reasonSchema });
const bulkBodySchema = z.union([
  z.object({ reason: reasonSchema, jobIds: z.array(jobIdSchema).min(1).max(MAX_BULK_RETRY) }).strict(),
  z
    .object({
      reason: reasonSchema,
      failedFrom: z.iso.datetime({ offset: true }),
      failedTo: z.iso.datetime({ offset: true }),
      limit: z.number().int().min(1).max(MAX_BULK_RETRY).default(MAX_BULK_RETRY),
    })
    .strict()
    .refine((body) => Date.parse(body.failedFrom) <= Date.parse(body.failedTo), 'failedFrom after failedTo'),
]);

const querySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

export interface DeadLetter {
  readonly jobId: string;
  readonly orderCode: string | null;
  readonly amount: string | null;
  readonly midtransStatus: string | null;
  readonly receivedAt: string | null;
  readonly failedAt: string | null;
  readonly ageSeconds: number | null;
  readonly attempts: number;
  readonly error: string;
}

export interface MovedJob {
  readonly jobId: string;
  readonly orderCode: string | null;
}

export const deadLettersRoute: FastifyPluginCallback = (app, _options, done) => {
  const queue = app.notificationQueue;
  const actor = (request: FastifyRequest): string => request.adminActor ?? 'unknown';
  const moved = (job: Job): MovedJob => ({
    jobId: job.id ?? '',
    orderCode: field(parseBody((job.data as { rawBody?: unknown }).rawBody), 'order_id'),
  });

  app.post(
    '/dead-letters/:jobId/retry',
    {
      schema: {
        summary: 'Move one dead letter back to waiting (audited)',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        documented: {
          params: z.object({ jobId: jobIdSchema }),
          body: singleBodySchema,
          response: {
            200: z.looseObject({}).meta({ description: 'The retried job' }),
            400: errorBody,
            404: errorBody,
          },
        },
      },
    },
    async (request, reply) => {
      const jobId = jobIdSchema.safeParse((request.params as { jobId?: unknown }).jobId);
      const body = singleBodySchema.safeParse(request.body ?? {});
      if (!jobId.success || !body.success) {
        return sendError(reply, request, 'LUNAS_ERR_BAD_REQUEST', 'A reason (1–500 characters) is required');
      }
      const job = await queue.getJob(jobId.data);
      if (!job) {
        return sendError(reply, request, 'LUNAS_ERR_NOT_FOUND', `No job ${jobId.data}`);
      }
      const state = await job.getState();
      if (state !== 'failed') {
        return sendError(reply, request, 'LUNAS_ERR_CONFLICT', `Job ${jobId.data} is ${state}, not failed`);
      }
      const audit = await insertAdminAudit(app.sql, {
        actor: actor(request),
        action: 'dead_letter.retry',
        target: jobId.data,
        reason: body.data.reason,
        detail: { jobIds: [jobId.data] },
      });
      try {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      } catch {
        // It left the failed set between the check and the move (another retry, a cleaner).
        return sendError(reply, request, 'LUNAS_ERR_CONFLICT', `Job ${jobId.data} is no longer failed`);
      }
      request.log.info({ jobId: jobId.data, auditId: audit.id, actor: audit.actor }, 'dead letter retried');
      return { moved: [moved(job)], auditId: audit.id };
    },
  );

  app.post(
    '/dead-letters/retry',
    {
      schema: {
        summary: 'Move dead letters back to waiting, by ids or a failure window (audited)',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        documented: {
          body: bulkBodySchema,
          response: { 200: z.looseObject({}).meta({ description: 'The retried jobs' }), 400: errorBody },
        },
      },
    },
    async (request, reply) => {
      const body = bulkBodySchema.safeParse(request.body ?? {});
      if (!body.success) {
        return sendError(
          reply,
          request,
          'LUNAS_ERR_BAD_REQUEST',
          `Body: {reason (1–500 characters), and jobIds (1–${MAX_BULK_RETRY}) or failedFrom/failedTo (ISO times) with an optional limit ≤ ${MAX_BULK_RETRY}}`,
        );
      }
      const input = body.data;
      let ids: string[];
      let target: string;
      if ('jobIds' in input) {
        ids = [...new Set(input.jobIds)];
        target = `jobs:${ids.length}`;
      } else {
        // The failed set is scored by the time each job failed: the window is one range read.
        ids = await app.redis.zrangebyscore(
          queue.toKey('failed'),
          Date.parse(input.failedFrom),
          Date.parse(input.failedTo),
          'LIMIT',
          0,
          input.limit,
        );
        target = `window:${input.failedFrom}..${input.failedTo}`;
      }
      const jobs: Job[] = [];
      const skipped: { jobId: string; reason: 'not_found' | 'not_failed' }[] = [];
      for (const id of ids) {
        const job = await queue.getJob(id);
        if (!job) {
          skipped.push({ jobId: id, reason: 'not_found' });
        } else if ((await job.getState()) !== 'failed') {
          skipped.push({ jobId: id, reason: 'not_failed' });
        } else {
          jobs.push(job);
        }
      }
      if (jobs.length === 0) {
        return { moved: [], skipped, auditId: null };
      }
      const audit = await insertAdminAudit(app.sql, {
        actor: actor(request),
        action: 'dead_letter.retry_bulk',
        target,
        reason: input.reason,
        detail: { jobIds: jobs.map((job) => job.id ?? '') },
      });
      const done: MovedJob[] = [];
      for (const job of jobs) {
        try {
          await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
          done.push(moved(job));
        } catch {
          skipped.push({ jobId: job.id ?? '', reason: 'not_failed' });
        }
      }
      request.log.info({ count: done.length, auditId: audit.id, actor: audit.actor }, 'dead letters retried');
      return { moved: done, skipped, auditId: audit.id };
    },
  );

  app.get(
    '/payments/dead-letters',
    {
      schema: {
        summary: 'Notification jobs that exhausted their attempts',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        documented: {
          querystring: querySchema,
          response: { 200: z.looseObject({}).meta({ description: 'The dead letters' }), 400: errorBody },
        },
      },
    },
    async (request, reply) => {
      const query = querySchema.safeParse(request.query);
      if (!query.success) {
        return sendError(reply, request, 'LUNAS_ERR_BAD_REQUEST', 'Invalid query: limit 1–500');
      }
      const [jobs, total] = await Promise.all([
        queue.getFailed(0, query.data.limit - 1),
        queue.getFailedCount(),
      ]);
      const now = Date.now();
      const deadLetters: DeadLetter[] = jobs.map((job) => {
        const body = parseBody((job.data as { rawBody?: unknown }).rawBody);
        const receivedAt =
          typeof (job.data as { receivedAt?: unknown }).receivedAt === 'string'
            ? String((job.data as { receivedAt: string }).receivedAt)
            : null;
        const started = receivedAt ? Date.parse(receivedAt) : job.timestamp;
        return {
          jobId: job.id ?? '',
          orderCode: field(body, 'order_id'),
          amount: field(body, 'gross_amount'),
          midtransStatus: field(body, 'transaction_status'),
          receivedAt,
          failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
          ageSeconds: Number.isFinite(started) ? Math.max(0, Math.floor((now - started) / 1000)) : null,
          attempts: job.attemptsMade,
          error: (job.failedReason ?? '').slice(0, 300),
        };
      });
      return { total, count: deadLetters.length, deadLetters };
    },
  );
  done();
};

function parseBody(raw: unknown): Record<string, unknown> {
  try {
    const parsed: unknown = typeof raw === 'string' ? JSON.parse(raw) : null;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function field(body: Record<string, unknown>, name: string): string | null {
  const value = body[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}
