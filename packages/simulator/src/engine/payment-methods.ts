/**
 * What a fresh charge looks like per payment type: its first status and the type-specific
 * fields Midtrans shows in its payloads (docs/midtrans.md, "Notification body").
 */
import { maskCard, resolveTestCard } from './test-cards.js';
import type { ParsedChargeRequest } from './charge-request.js';
import type { CardBehaviour, FraudStatus, PaymentType, TransactionStatus } from './types.js';

export interface InitialState {
  status: TransactionStatus;
  fraudStatus: FraudStatus | undefined;
  details: Record<string, unknown>;
  card: CardBehaviour | undefined;
  /** status_message of the charge response. */
  chargeMessage: string;
  /** Expiry window in ms, when this payment type has one. */
  expiryMs: number | undefined;
}

export interface MethodContext {
  readonly transactionId: string;
  readonly baseUrl: string;
  readonly random: () => number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const UNIT_MS = { second: 1000, minute: MINUTE, hour: 60 * MINUTE, day: DAY } as const;

function digits(count: number, random: () => number): string {
  let out = '';
  for (let i = 0; i < count; i += 1) {
    out += Math.floor(random() * 10).toString();
  }
  return out;
}

function bankTransfer(req: ParsedChargeRequest, ctx: MethodContext): InitialState {
  const bank = req.bank_transfer?.bank ?? 'bca';
  const vaNumber = req.bank_transfer?.va_number ?? digits(bank === 'bca' ? 11 : 16, ctx.random);
  // Permata carries permata_va_number instead of va_numbers (docs/midtrans.md, "Notification body").
  const details: Record<string, unknown> =
    bank === 'permata'
      ? { permata_va_number: vaNumber }
      : { va_numbers: [{ bank, va_number: vaNumber }], payment_amounts: [] };
  return pending(details, 'Success, Bank Transfer transaction is created', DAY);
}

function actions(ctx: MethodContext, qr: boolean): Record<string, unknown>[] {
  const base = `${ctx.baseUrl}/v2/${ctx.transactionId}`;
  const list = [
    { name: 'generate-qr-code', method: 'GET', url: `${ctx.baseUrl}/v2/qris/${ctx.transactionId}/qr-code` },
    { name: 'get-status', method: 'GET', url: `${base}/status` },
    { name: 'cancel', method: 'POST', url: `${base}/cancel` },
  ];
  return qr
    ? list
    : [
        ...list,
        { name: 'deeplink-redirect', method: 'GET', url: `${ctx.baseUrl}/_sim/gopay/${ctx.transactionId}` },
      ];
}

function card(req: ParsedChargeRequest, ctx: MethodContext): InitialState {
  const test = resolveTestCard(req.credit_card?.token_id ?? req.credit_card?.card_number);
  const details: Record<string, unknown> = {
    masked_card: maskCard(test),
    bank: req.credit_card?.bank ?? 'bni',
    card_type: 'credit',
    eci: '05',
    channel_response_code: '00',
    channel_response_message: 'Approved',
    approval_code: digits(6, ctx.random),
  };
  const base = { details, card: test.behaviour, expiryMs: undefined };
  switch (test.behaviour) {
    case 'accept-3ds':
    case 'pending-then-accept':
      delete details.approval_code;
      details.three_ds_version = '2';
      details.redirect_url = `${ctx.baseUrl}/_sim/3ds/${ctx.transactionId}`;
      return {
        ...base,
        status: 'pending',
        fraudStatus: 'accept',
        chargeMessage: 'Success, Credit Card transaction is pending 3DS',
      };
    case 'accept':
      return {
        ...base,
        status: 'capture',
        fraudStatus: 'accept',
        chargeMessage: 'Success, Credit Card transaction is successful',
      };
    case 'challenge':
      return { ...base, status: 'capture', fraudStatus: 'challenge', chargeMessage: 'Challenge by FDS' };
    case 'deny-bank':
    case 'deny-fds': {
      delete details.approval_code;
      details.channel_response_code = test.behaviour === 'deny-bank' ? '05' : '00';
      details.channel_response_message = test.behaviour === 'deny-bank' ? 'Do not honour' : 'Denied by FDS';
      const fraudStatus = test.behaviour === 'deny-fds' ? 'deny' : 'accept';
      return {
        ...base,
        status: 'deny',
        fraudStatus,
        chargeMessage: 'Deny by Bank [BNI] with code [05] and message [Do not honour]',
      };
    }
  }
}

function pending(details: Record<string, unknown>, chargeMessage: string, expiryMs: number): InitialState {
  return { status: 'pending', fraudStatus: 'accept', details, card: undefined, chargeMessage, expiryMs };
}

/** The initial state of a transaction created by a charge. */
export function initialStateFor(req: ParsedChargeRequest, ctx: MethodContext): InitialState {
  const state = byType(req.payment_type, req, ctx);
  if (req.custom_expiry && state.status === 'pending') {
    state.expiryMs = req.custom_expiry.expiry_duration * UNIT_MS[req.custom_expiry.unit];
  }
  return state;
}

function byType(type: PaymentType, req: ParsedChargeRequest, ctx: MethodContext): InitialState {
  switch (type) {
    case 'bank_transfer':
      return bankTransfer(req, ctx);
    case 'echannel':
      return pending(
        { biller_code: '70012', bill_key: digits(12, ctx.random) },
        'OK, Mandiri Bill transaction is successful',
        DAY,
      );
    case 'gopay':
      return pending({ actions: actions(ctx, false) }, 'GoPay transaction is created', 15 * MINUTE);
    case 'qris':
      return pending(
        {
          acquirer: req.qris?.acquirer ?? 'gopay',
          qr_string: `00020101021226${digits(40, ctx.random)}`,
          actions: actions(ctx, true),
        },
        'QRIS transaction is created',
        15 * MINUTE,
      );
    case 'cstore': {
      const store = req.cstore?.store ?? 'indomaret';
      // FDS does not score store payments: no fraud_status (docs/midtrans.md, "Notification body").
      return {
        ...pending(
          { store, payment_code: digits(16, ctx.random) },
          'Success, cstore transaction is successful',
          DAY,
        ),
        fraudStatus: undefined,
      };
    }
    case 'credit_card':
      return card(req, ctx);
    case 'dana':
      // An e-wallet paid in the DANA app: pending with a deeplink until the customer pays.
      return pending(
        {
          actions: [
            {
              name: 'deeplink-redirect',
              method: 'GET',
              url: `${ctx.baseUrl}/_sim/dana/${ctx.transactionId}`,
            },
          ],
        },
        'DANA transaction is created',
        15 * MINUTE,
      );
  }
}

/** Methods Midtrans can refund through the API (docs/midtrans.md, "Refunds"). */
export const REFUNDABLE: ReadonlySet<PaymentType> = new Set<PaymentType>([
  'credit_card',
  'gopay',
  'qris',
  'dana',
]);
