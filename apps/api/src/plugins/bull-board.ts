/**
 * Bull Board at /admin/queues: every Lunas queue, so ops can see waiting, delayed, failed and
 * completed jobs, read a job's data and error, and retry a failed one.
 *
 * Registered inside the authenticated /admin context, so its UI, static files and API routes
 * all pass the admin hook (Bearer or session cookie; its retry/clean POSTs also need a
 * same-origin Origin, see admin-session.ts).
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyPluginAsync } from 'fastify';

export const BULL_BOARD_PATH = '/admin/queues';

export const bullBoard: FastifyPluginAsync<{ readonly queues: readonly Queue[] }> = async (app, options) => {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Lunas queues' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: '/queues' });
};
