/**
 * The two Midtrans calls that start a payment, for POST /payments: Snap's create-transaction
 * (POST {snap}/transactions, answers {token, redirect_url}) and the Core API charge
 * (POST {core}/v2/charge, answers the transaction with its VA number, QR string or actions).
 * A typed fetch like the Get Status client (@lunas/midtrans client.ts), bounded by a timeout;
 * the server key only ever goes into the Authorization header.
 *
 * Every answer is classified: 'ok' with Midtrans's body, 'refused' (Midtrans answered with an
 * error: a bad request, a duplicate order_id), or 'unknown' (timeout, network error, 5xx: the
 * charge may or may not exist at Midtrans; reconciliation finds out with Get Status).
 */
import { z } from 'zod';

/** The Core API charge methods POST /payments offers; 'snap' (the default) lets the customer pick. */
export const CHARGE_METHODS = [
  'snap',
  'bca_va',
  'bni_va',
  'bri_va',
  'permata_va',
  'echannel',
  'gopay',
  'qris',
] as const;
export type ChargeMethod = (typeof CHARGE_METHODS)[number];

export interface ChargeClientOptions {
  readonly serverKey: string;
  /** Core API base, no trailing slash. */
  readonly coreBaseUrl: string;
  /** Snap API base, no trailing slash (…/snap/v1). */
  readonly snapBaseUrl: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

export interface ChargeRequest {
  readonly orderCode: string;
  /** Whole rupiah (IDR has no minor unit at Midtrans). */
  readonly grossAmount: number;
  readonly method: ChargeMethod;
}

export type ChargeResult =
  | { readonly kind: 'ok'; readonly body: Record<string, unknown> }
  | { readonly kind: 'refused'; readonly httpStatus: number; readonly messages: string[] }
  | { readonly kind: 'unknown'; readonly reason: string };

/** Snap's and Midtrans's production / sandbox hosts, when no base URL is configured. */
export function resolveSnapBaseUrl(explicit: string | undefined, isProduction: boolean): string {
  const base =
    explicit ??
    (isProduction ? 'https://app.midtrans.com/snap/v1' : 'https://app.sandbox.midtrans.com/snap/v1');
  return base.replace(/\/+$/, '');
}

function coreBody(request: ChargeRequest): Record<string, unknown> {
  const transaction_details = { order_id: request.orderCode, gross_amount: request.grossAmount };
  switch (request.method) {
    case 'bca_va':
    case 'bni_va':
    case 'bri_va':
    case 'permata_va':
      return {
        payment_type: 'bank_transfer',
        transaction_details,
        bank_transfer: { bank: request.method.slice(0, -3) },
      };
    case 'echannel':
      return {
        payment_type: 'echannel',
        transaction_details,
        echannel: { bill_info1: 'Payment', bill_info2: request.orderCode },
      };
    case 'gopay':
    case 'qris':
    case 'snap':
      return { payment_type: request.method, transaction_details };
  }
}

const snapAnswer = z.looseObject({ token: z.string().min(1), redirect_url: z.string().min(1) });
const coreAnswer = z.looseObject({
  status_code: z.string(),
  transaction_id: z.string().min(1).optional(),
  order_id: z.string().optional(),
});

export function createChargeClient(options: ChargeClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const authorization = `Basic ${Buffer.from(`${options.serverKey}:`).toString('base64')}`;

  async function post(url: string, body: unknown): Promise<{ status: number; json: unknown } | string> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { authorization, accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: timeout,
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, json };
    } catch (error) {
      if (timeout.aborted) {
        return `no answer within ${options.timeoutMs} ms`;
      }
      const cause = (error as { cause?: { code?: string } }).cause;
      return cause?.code ?? 'network error';
    }
  }

  return {
    async charge(request: ChargeRequest): Promise<ChargeResult> {
      if (request.method === 'snap') {
        const answer = await post(`${options.snapBaseUrl}/transactions`, {
          transaction_details: { order_id: request.orderCode, gross_amount: request.grossAmount },
        });
        if (typeof answer === 'string') {
          return { kind: 'unknown', reason: answer };
        }
        if (answer.status >= 500) {
          return { kind: 'unknown', reason: `Snap answered ${answer.status}` };
        }
        const ok = snapAnswer.safeParse(answer.json);
        if (answer.status < 300 && ok.success) {
          return { kind: 'ok', body: ok.data };
        }
        const messages = z.object({ error_messages: z.array(z.string()) }).safeParse(answer.json);
        return {
          kind: 'refused',
          httpStatus: answer.status,
          messages: messages.success ? messages.data.error_messages : [`Snap answered ${answer.status}`],
        };
      }
      const answer = await post(`${options.coreBaseUrl}/v2/charge`, coreBody(request));
      if (typeof answer === 'string') {
        return { kind: 'unknown', reason: answer };
      }
      const parsed = coreAnswer.safeParse(answer.json);
      // The Core API puts its verdict in status_code: 200/201 a transaction, else an error.
      const code = parsed.success ? Number(parsed.data.status_code) : answer.status;
      if (answer.status >= 500 || code >= 500) {
        return { kind: 'unknown', reason: `Core API answered ${parsed.success ? code : answer.status}` };
      }
      if (answer.status < 300 && parsed.success && code < 300 && parsed.data.transaction_id) {
        return { kind: 'ok', body: parsed.data };
      }
      const body = (answer.json ?? {}) as { status_message?: unknown; validation_messages?: unknown };
      const messages = Array.isArray(body.validation_messages)
        ? body.validation_messages.map(String)
        : [typeof body.status_message === 'string' ? body.status_message : `Core API answered ${code}`];
      return { kind: 'refused', httpStatus: code, messages };
    },
  };
}

export type ChargeClient = ReturnType<typeof createChargeClient>;
