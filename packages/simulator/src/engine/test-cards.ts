/**
 * Midtrans sandbox test cards and what each does (docs/midtrans.md, "Sandbox test cards"). A
 * charge names its card with credit_card.token_id, which may be:
 *   - the card number itself ("4511111111111117", spaces allowed),
 *   - "sim-card-<number>",
 *   - a sandbox-style token "<first 6>-<last 4>-<anything>" ("451111-1117-9c3e…").
 * credit_card.card_number is accepted too. Any other card behaves like 4811 1111 1111 1114.
 */
import type { CardBehaviour } from './types.js';

export interface TestCard {
  readonly number: string;
  readonly behaviour: CardBehaviour;
  readonly brand: 'visa' | 'mastercard';
}

export const TEST_CARDS: readonly TestCard[] = Object.freeze([
  { number: '4811111111111114', behaviour: 'accept-3ds', brand: 'visa' },
  { number: '4911111111111113', behaviour: 'deny-bank', brand: 'visa' },
  { number: '4411111111111118', behaviour: 'accept', brand: 'visa' },
  { number: '4511111111111117', behaviour: 'challenge', brand: 'visa' },
  { number: '4611111111111116', behaviour: 'deny-fds', brand: 'visa' },
  { number: '4711111111111115', behaviour: 'deny-bank', brand: 'visa' },
  { number: '5211111111111117', behaviour: 'accept', brand: 'mastercard' },
  { number: '5510111111111115', behaviour: 'challenge', brand: 'mastercard' },
  { number: '4024007176265022', behaviour: 'pending-then-accept', brand: 'visa' },
] satisfies TestCard[]);

const DEFAULT_CARD = TEST_CARDS[0] as TestCard;

/** Resolves the test card a charge refers to. */
export function resolveTestCard(tokenOrNumber: string | undefined): TestCard {
  const raw = (tokenOrNumber ?? '').trim().replace(/^sim-card-/, '');
  const digits = raw.replace(/[\s-]/g, '');
  const exact = TEST_CARDS.find((card) => card.number === digits);
  if (exact) {
    return exact;
  }
  const token = /^(\d{6})-(\d{4})(?:-|$)/.exec(raw);
  if (token) {
    const [, first6, last4] = token;
    const match = TEST_CARDS.find(
      (card) => card.number.startsWith(first6 ?? '') && card.number.endsWith(last4 ?? ''),
    );
    if (match) {
      return match;
    }
  }
  return DEFAULT_CARD;
}

/** "48111111-1114": first 8 and last 4 digits, as current Midtrans samples show. */
export function maskCard(card: TestCard): string {
  return `${card.number.slice(0, 8)}-${card.number.slice(-4)}`;
}
