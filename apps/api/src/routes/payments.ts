/**
 * POST /payments: the write-ahead checkout. In order:
 *
 *   1. validate; the Idempotency-Key header is required;
 *   2. one transaction: the order (made if missing), a PENDING payment row and the key, then
 *      COMMIT (checkout-store.ts), so a notification Midtrans sends for this charge always
 *      finds its row;
 *   3. only then call Midtrans: Snap (default) or a Core API charge for the method given;
 *   4. store the answer on the key and Midtrans's transaction id on the row; answer the shop.
 *
 * A Midtrans error or timeout leaves the row PENDING, which the reconcile sweep resolves with
 * Get Status (never a charge without a row), and frees the key: a retry with the same key
 * calls Midtrans again for the same row (Midtrans refuses a second charge of one order_id).
 *
 *   201 the charge: Snap token + redirect_url, or the VA number / QR string / actions
 *   200 the same answer again, for a repeated Idempotency-Key (header idempotent-replayed: true)
 *   400 bad body or no key   401 token   409 key reused with another body, in flight, order
 *   paid or has an open payment, amount differs   502 Midtrans refused   504 Midtrans silent
 */
import { createHash } from 'node:crypto';
import type { Sql } from '@lunas/db';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CHARGE_METHODS, type ChargeClient } from '../charge.js';
import { beginCheckout, finishCheckout, releaseCheckout } from '../checkout-store.js';
import { sendError } from '../errors.js';
import { errorBody } from '../openapi.js';
import { SHOP_SECURITY } from '../plugins/shop-auth.js';

export interface PaymentsRouteOptions {
  readonly sql: Sql;
  readonly charges: ChargeClient;
  /** How long a request holds its key while Midtrans is called (beyond the call's timeout), ms. */
  readonly leaseMs: number;
}

const amount = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,2})?$/, 'a decimal string such as "150000.00"')
  .refine((v) => Number(v) > 0, 'must be greater than 0')
  .refine((v) => /^\d+(\.0{1,2})?$/.test(v), 'IDR has no minor unit: use whole rupiah ("150000.00")')
  .meta({ example: '150000.00' });

export const paymentRequestSchema = z.object({
  order_code: z
    .string()
    .min(1)
    .max(50)
    .regex(/^[A-Za-z0-9\-_~.]+$/, 'letters, digits and - _ ~ . only (Midtrans order_id rules)')
    .meta({ example: 'ORD-1001' }),
  amount,
  currency: z.literal('IDR').default('IDR'),
  method: z
    .enum(CHARGE_METHODS)
    .default('snap')
    .meta({ description: "'snap' (default): the Snap page; else a Core API charge of that method" }),
});

const headersSchema = z.looseObject({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .meta({ description: 'Required. The same key always gets the same payment row and answer.' }),
});

export const paymentResponseSchema = z.object({
  payment_id: z.string(),
  order_code: z.string(),
  amount: z.string(),
  currency: z.string(),
  method: z.enum(CHARGE_METHODS),
  transaction_id: z.string().nullable().meta({ description: 'Core API charges; null for Snap' }),
  snap: z.object({ token: z.string(), redirect_url: z.string() }).optional(),
  transaction_status: z.string().optional(),
  va_numbers: z.array(z.object({ bank: z.string(), va_number: z.string() })).optional(),
  permata_va_number: z.string().optional(),
  bill_key: z.string().optional(),
  biller_code: z.string().optional(),
  qr_string: z.string().optional(),
  actions: z.array(z.object({ name: z.string(), method: z.string(), url: z.string() })).optional(),
  expiry_time: z.string().optional(),
});
type PaymentResponse = z.infer<typeof paymentResponseSchema>;

function requestHash(body: z.infer<typeof paymentRequestSchema>): string {
  const canonical = JSON.stringify([
    body.order_code,
    Number(body.amount).toFixed(2),
    body.currency,
    body.method,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** What the shop gets back: the fields it needs, never Midtrans's signature_key. */
function answerOf(
  base: Omit<PaymentResponse, 'transaction_id'>,
  body: Record<string, unknown>,
): PaymentResponse {
  if (base.method === 'snap') {
    return {
      ...base,
      transaction_id: null,
      snap: { token: String(body.token), redirect_url: String(body.redirect_url) },
    };
  }
  const picked = paymentResponseSchema
    .pick({
      transaction_status: true,
      va_numbers: true,
      permata_va_number: true,
      bill_key: true,
      biller_code: true,
      qr_string: true,
      actions: true,
      expiry_time: true,
    })
    .safeParse(body);
  return {
    ...base,
    transaction_id: typeof body.transaction_id === 'string' ? body.transaction_id : null,
    ...(picked.success ? picked.data : {}),
  };
}

export const paymentsRoute: FastifyPluginCallbackZod<PaymentsRouteOptions> = (app, options, done) => {
  app.post(
    '/payments',
    {
      schema: {
        summary: 'Create a payment: row first, then Midtrans',
        description:
          'Makes the order if missing, commits a PENDING payment row, and only then calls Midtrans (Snap by default, a Core API charge for a method). Idempotent by the Idempotency-Key header.',
        tags: ['shop'],
        security: SHOP_SECURITY,
        headers: headersSchema,
        body: paymentRequestSchema,
        response: {
          200: paymentResponseSchema.meta({ description: 'A repeated Idempotency-Key: the first answer' }),
          201: paymentResponseSchema,
          400: errorBody,
          401: errorBody,
          409: errorBody,
          502: errorBody,
          504: errorBody,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const key = request.headers['idempotency-key'];
      const start = await beginCheckout(options.sql, {
        key,
        requestHash: requestHash(body),
        orderCode: body.order_code,
        amount: Number(body.amount).toFixed(2),
        currency: body.currency,
        method: body.method,
        leaseMs: options.leaseMs,
      });
      if (start.kind === 'conflict') {
        return sendError(reply, request, 'LUNAS_ERR_CONFLICT', start.message);
      }
      if (start.kind === 'replay') {
        void reply.header('idempotent-replayed', 'true');
        return reply.code(200).send(paymentResponseSchema.parse(start.response));
      }
      const fields = { orderCode: body.order_code, paymentId: start.paymentId, method: body.method };
      request.log.info({ ...fields, retry: start.kind === 'retry' }, 'payment row committed; charging');
      const result = await options.charges.charge({
        orderCode: body.order_code,
        grossAmount: Math.round(Number(body.amount)),
        method: body.method,
      });
      if (result.kind !== 'ok') {
        await releaseCheckout(options.sql, key);
        if (result.kind === 'unknown') {
          request.log.warn({ ...fields, reason: result.reason }, 'Midtrans did not answer the charge');
          return sendError(
            reply,
            request,
            'LUNAS_ERR_MIDTRANS_UNAVAILABLE',
            `Midtrans did not answer (${result.reason}); payment ${start.paymentId} stays PENDING for reconciliation. Retry with the same Idempotency-Key.`,
          );
        }
        request.log.warn({ ...fields, httpStatus: result.httpStatus }, 'Midtrans refused the charge');
        return sendError(
          reply,
          request,
          'LUNAS_ERR_MIDTRANS_REFUSED',
          `Midtrans refused the charge (${result.httpStatus}: ${result.messages.join('; ').slice(0, 300)}); payment ${start.paymentId} stays for reconciliation`,
        );
      }
      const answer = answerOf(
        {
          payment_id: start.paymentId,
          order_code: body.order_code,
          amount: Number(body.amount).toFixed(2),
          currency: body.currency,
          method: body.method,
        },
        result.body,
      );
      await finishCheckout(options.sql, {
        key,
        paymentId: start.paymentId,
        responseCode: 201,
        response: answer,
        transactionId: answer.transaction_id,
      });
      return reply.code(201).send(answer);
    },
  );
  done();
};
