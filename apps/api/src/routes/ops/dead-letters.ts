/**
 * GET /admin/payments/dead-letters?limit=100: notifications that ran out of retries (the failed
 * set of the notifications queue), newest first. Each row shows what a person needs to act
 * (order code, amount, Midtrans status, age, attempts, the error) and nothing more: the raw
 * body, with its signature, stays in Redis (Bull Board shows it to those who need it).
 */
import type { Queue } from 'bullmq';
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { sendError } from '../../errors.js';

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

export const deadLettersRoute: FastifyPluginCallback<{ readonly queue: Queue }> = (app, options, done) => {
  app.get('/payments/dead-letters', async (request, reply) => {
    const query = querySchema.safeParse(request.query);
    if (!query.success) {
      return sendError(reply, request, 'LUNAS_ERR_BAD_REQUEST', 'Invalid query: limit 1–500');
    }
    const [jobs, total] = await Promise.all([
      options.queue.getFailed(0, query.data.limit - 1),
      options.queue.getFailedCount(),
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
  });
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
