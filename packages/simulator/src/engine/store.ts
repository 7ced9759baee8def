/**
 * In-memory transactions. One order_id may carry several transactions over time (re-use after
 * expire/cancel), so transactions are indexed by transaction_id and listed per order; lookups
 * by order_id return the latest, as Get Status does.
 */
import type { ParsedSnapRequest } from './charge-request.js';
import type { NotificationRouting, SimTransaction } from './types.js';

/** A Snap transaction whose customer has not chosen a payment method yet. */
export interface SnapSession {
  readonly token: string;
  readonly orderId: string;
  readonly request: ParsedSnapRequest;
  readonly routing: NotificationRouting;
  /** Set once a method is chosen and the transaction exists. */
  transactionId: string | undefined;
}

export class TransactionStore {
  readonly #byId = new Map<string, SimTransaction>();
  readonly #byOrder = new Map<string, SimTransaction[]>();
  readonly #snapByOrder = new Map<string, SnapSession>();
  readonly #snapByToken = new Map<string, SnapSession>();

  add(tx: SimTransaction): void {
    this.#byId.set(tx.transactionId, tx);
    const list = this.#byOrder.get(tx.orderId) ?? [];
    list.push(tx);
    this.#byOrder.set(tx.orderId, list);
  }

  /** By transaction_id first (UUIDs cannot collide with an order), then the order's latest. */
  find(id: string): SimTransaction | undefined {
    return this.#byId.get(id) ?? this.latestOfOrder(id);
  }

  latestOfOrder(orderId: string): SimTransaction | undefined {
    return this.#byOrder.get(orderId)?.at(-1);
  }

  /** Every transaction of the order that `id` names (or of the transaction's order). */
  related(id: string): SimTransaction[] {
    const tx = this.find(id);
    return tx ? [...(this.#byOrder.get(tx.orderId) ?? [])] : [];
  }

  all(): SimTransaction[] {
    return [...this.#byId.values()];
  }

  addSnap(session: SnapSession): void {
    this.#snapByOrder.set(session.orderId, session);
    this.#snapByToken.set(session.token, session);
  }

  /** The Snap session of an order (or token) that still waits for a payment method. */
  openSnap(idOrToken: string): SnapSession | undefined {
    const session = this.#snapByOrder.get(idOrToken) ?? this.#snapByToken.get(idOrToken);
    return session && session.transactionId === undefined ? session : undefined;
  }

  /** The Snap session of an order (or token), whether or not a method was chosen. */
  snapSession(idOrToken: string): SnapSession | undefined {
    return this.#snapByOrder.get(idOrToken) ?? this.#snapByToken.get(idOrToken);
  }

  clear(): void {
    this.#byId.clear();
    this.#byOrder.clear();
    this.#snapByOrder.clear();
    this.#snapByToken.clear();
  }
}
