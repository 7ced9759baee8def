/**
 * Bull Board at /admin/queues, read-only: every Lunas queue, so ops can see waiting, delayed,
 * failed and completed jobs and read a job's data and error. Nothing in it changes a queue:
 * each adapter is in `readOnlyMode` (Bull Board hides its buttons and answers 405), and on top
 * of that this plugin's own context refuses every method but GET and HEAD (405
 * LUNAS_ERR_READ_ONLY), so no Bull Board route, present or future, can add, retry, promote,
 * clean, pause, empty or obliterate. Dead letters go back to waiting through the audited
 * POST /admin/dead-letters/… routes instead.
 *
 * A notification's `signature_key` is masked ("***") in what Bull Board shows, inside the
 * job's rawBody JSON string and at the top level of its data.
 *
 * Registered inside the authenticated /admin context, so its UI, static files and API routes
 * all pass the admin hook (Bearer or session cookie).
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyPluginAsync } from 'fastify';
import { sendError } from '../errors.js';

export const BULL_BOARD_PATH = '/admin/queues';

const MASK = '***';
const SIGNATURE_IN_TEXT = /("signature_key"\s*:\s*)"(?:[^"\\]|\\.)*"/g;

/** Job data as Bull Board may show it: signature_key masked in rawBody and at the top level. */
export function maskJobData(data: unknown): unknown {
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    return data;
  }
  const masked: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  if ('signature_key' in masked) {
    masked.signature_key = MASK;
  }
  if (typeof masked.rawBody === 'string') {
    masked.rawBody = maskRawBody(masked.rawBody);
  }
  return masked;
}

function maskRawBody(raw: string): string {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const body = parsed as Record<string, unknown>;
      if ('signature_key' in body) {
        body.signature_key = MASK;
      }
      return JSON.stringify(body);
    }
  } catch {
    // Not JSON (it would never have been queued, but be safe): mask textually.
  }
  return raw.replace(SIGNATURE_IN_TEXT, `$1"${MASK}"`);
}

export const bullBoard: FastifyPluginAsync<{ readonly queues: readonly Queue[] }> = async (app, options) => {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return sendError(reply, request, 'LUNAS_ERR_READ_ONLY', 'Bull Board is read-only here');
    }
  });
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: options.queues.map((queue) => {
      const adapter = new BullMQAdapter(queue, { readOnlyMode: true });
      adapter.setFormatter('data', maskJobData);
      return adapter;
    }),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Lunas queues' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: '/queues' });
};
