/**
 * POST /webhooks/midtrans. Verifies, enqueues, answers; no Postgres on this path.
 * Answers, and what they mean to Midtrans's retries:
 *   200 the job is in Redis (a redelivery is refused by its job id, and still gets 200)
 *   400 not JSON, missing or malformed fields, a status_code that cannot belong to its status,
 *       or a subscription notification (Midtrans retries twice)   401 missing or wrong signature
 *   413 body over the limit                                  503 Redis unavailable (retried 4 times)
 */
import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import type { ErrorCode } from '@lunas/core';
import { ingestNotification, type IngestDeps } from '../ingest.js';
import { sendError } from '../errors.js';
import { orderIdFields } from '../log-fields.js';
import { errorBody } from '../openapi.js';

/** Documentation only: the handler reads the raw text itself (the signature is over it). */
const webhookSchema = {
  summary: 'Midtrans HTTP notification: verified, queued, answered',
  description:
    'Midtrans’s Payment Notification URL. The signature_key is checked over the body as sent, the job is written to Redis, and the answer is sent; no Postgres on this path. 200 means queued (a redelivery too).',
  tags: ['webhook'],
  documented: {
    body: z.looseObject({
      order_id: z.string(),
      transaction_id: z.string(),
      transaction_status: z.string(),
      status_code: z.string(),
      gross_amount: z.string(),
      signature_key: z
        .string()
        .meta({ description: 'SHA-512(order_id + status_code + gross_amount + server key)' }),
      fraud_status: z.string().optional(),
    }),
    response: {
      200: z.object({ status: z.literal('queued'), jobId: z.string() }),
      400: errorBody,
      401: errorBody,
      413: errorBody,
      503: errorBody,
    },
  },
};

export interface WebhookRouteOptions {
  readonly ingest: IngestDeps;
  readonly bodyLimit: number;
}

export const webhookMidtransRoutes: FastifyPluginCallback<WebhookRouteOptions> = (
  app: FastifyInstance,
  options,
  done,
) => {
  // Keep the raw text: the signature is checked over the strings exactly as sent, and the job
  // carries the body verbatim. Any content type is read as text; JSON parsing happens in ingest.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: options.bodyLimit }, (_req, body, done) => {
    done(null, body);
  });

  app.post(
    '/webhooks/midtrans',
    { bodyLimit: options.bodyLimit, schema: webhookSchema },
    async (request, reply) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      const outcome = await ingestNotification(options.ingest, raw);
      let code: ErrorCode;
      switch (outcome.kind) {
        case 'accepted':
          request.log.debug(
            { ...orderIdFields(outcome.orderId), jobId: outcome.jobId },
            'notification queued',
          );
          return reply.code(200).send({ status: 'queued', jobId: outcome.jobId });
        case 'bad_json':
          request.log.warn('webhook body is not a JSON object');
          code = 'LUNAS_ERR_BAD_JSON';
          break;
        case 'subscription':
          // Deliberately a 4xx, never a 503: Midtrans would retry a subscription body for hours,
          // and it carries no signature to verify (docs/midtrans.md, "Subscriptions").
          request.log.warn('subscription (recurring) notification refused: not handled by this endpoint');
          code = 'LUNAS_ERR_UNSUPPORTED_NOTIFICATION';
          break;
        case 'invalid':
          request.log.warn(
            { ...orderIdFields(outcome.orderId), fields: outcome.fields },
            'notification is missing required fields',
          );
          return sendError(
            reply,
            request,
            'LUNAS_ERR_BAD_NOTIFICATION',
            `Invalid or missing fields: ${outcome.fields.join(', ')}`,
          );
        case 'bad_signature':
          request.log.warn(
            { ...orderIdFields(outcome.orderId) },
            'notification signature missing or invalid; rejected',
          );
          code = 'LUNAS_ERR_BAD_SIGNATURE';
          break;
        case 'queue_unavailable':
          request.log.error(
            { ...orderIdFields(outcome.orderId), reason: outcome.reason },
            'could not enqueue notification; answered 503',
          );
          code = 'LUNAS_ERR_QUEUE_UNAVAILABLE';
          void reply.header('retry-after', '60');
          break;
      }
      return sendError(reply, request, code);
    },
  );
  done();
};
