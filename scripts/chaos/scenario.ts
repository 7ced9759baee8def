/**
 * What happens to each order of a chaos run, drawn from a seeded PRNG so a run can be repeated:
 * its payment method, its outcome at Midtrans, and whether the shop inserts the payment row
 * only after Midtrans has started notifying (the incident's race).
 */
import { seededRandom } from '@lunas/simulator';

export type Plan =
  | 'paid'
  | 'expired'
  | 'cancelled'
  | 'denied'
  | 'challenge-accept'
  | 'challenge-deny'
  | 'partial-refund'
  | 'full-refund'
  | 'reversal'
  /** A VA expires; the customer pays a second transaction of the same order. */
  | 'second-transaction'
  /** A card denied in Snap, retried with another card under a new transaction id. */
  | 'snap-retry'
  /** Two partial refunds, each its own step. */
  | 'partial-refunds';

const WEIGHTS: [Plan, number][] = [
  ['paid', 50],
  ['expired', 9],
  ['cancelled', 8],
  ['denied', 7],
  ['challenge-accept', 5],
  ['challenge-deny', 3],
  ['partial-refund', 6],
  ['full-refund', 6],
  ['reversal', 6],
  ['second-transaction', 5],
  ['snap-retry', 5],
  ['partial-refunds', 5],
];

export interface OrderPlan {
  readonly orderCode: string;
  readonly amount: number;
  readonly plan: Plan;
  /** The payment row is inserted this long after the charge (null: before it). */
  readonly lateRowMs: number | null;
  readonly apiIndex: number;
}

/** The simulator's seeded PRNG (mulberry32), so a seed replays the same plan. */
export const prng = seededRandom;

export function planOrders(count: number, seed: number, apis: number): OrderPlan[] {
  const random = prng(seed);
  const total = WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  return Array.from({ length: count }, (_, i) => {
    let pick = random() * total;
    let plan: Plan = 'paid';
    for (const [name, weight] of WEIGHTS) {
      pick -= weight;
      if (pick < 0) {
        plan = name;
        break;
      }
    }
    return {
      orderCode: `CH-${seed}-${i}`,
      amount: 10_000 + Math.floor(random() * 200) * 5_000,
      plan,
      // About 20 % of notifications arrive before the shop has inserted the payment row.
      lateRowMs: random() < 0.2 ? 300 + Math.floor(random() * 1_500) : null,
      apiIndex: i % apis,
    };
  });
}

/** The second charge of an order whose first transaction failed (second-transaction, snap-retry). */
export function retryChargeFor(order: OrderPlan): Record<string, unknown> {
  const transaction_details = { order_id: order.orderCode, gross_amount: order.amount };
  return order.plan === 'snap-retry'
    ? { payment_type: 'credit_card', transaction_details, credit_card: { token_id: '4411111111111118' } }
    : { payment_type: 'bank_transfer', transaction_details, bank_transfer: { bank: 'bni' } };
}

/** The charge request for a plan (payment method chosen so the outcome is possible). */
export function chargeFor(order: OrderPlan): Record<string, unknown> {
  const transaction_details = { order_id: order.orderCode, gross_amount: order.amount };
  switch (order.plan) {
    case 'denied':
    case 'snap-retry':
      return {
        payment_type: 'credit_card',
        transaction_details,
        credit_card: { token_id: '4911111111111113' },
      };
    case 'challenge-accept':
    case 'challenge-deny':
      return {
        payment_type: 'credit_card',
        transaction_details,
        credit_card: { token_id: '4511111111111117' },
      };
    case 'partial-refund':
    case 'partial-refunds':
    case 'full-refund':
      return { payment_type: 'gopay', transaction_details };
    case 'reversal':
      return {
        payment_type: 'echannel',
        transaction_details,
        echannel: { bill_info1: 'chaos', bill_info2: 'run' },
      };
    default:
      return { payment_type: 'bank_transfer', transaction_details, bank_transfer: { bank: 'bca' } };
  }
}
