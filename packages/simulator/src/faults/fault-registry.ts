/**
 * Holds the active faults: one global entry and one per order_id. When an order has its own
 * entry it replaces the global one for that order entirely (no field-by-field merge), so what
 * applies is always one visible spec.
 */
import { faultSpecSchema, NO_FAULT } from './fault-spec.js';
import type { FaultName, FaultSpec, NotificationDecision, StatusApiFault } from './fault-spec.js';
import type { Random } from './prng.js';

interface Entry {
  readonly spec: FaultSpec;
  notificationsLeft: number | undefined;
  statusCallsLeft: number | undefined;
  statusUntil: number | undefined;
}

export interface FaultScope {
  orderId?: string;
}

export class FaultRegistry {
  #global: Entry | undefined;
  readonly #byOrder = new Map<string, Entry>();
  readonly #random: Random;
  readonly #now: () => number;

  constructor(random: Random, now: () => number = Date.now) {
    this.#random = random;
    this.#now = now;
  }

  /** Replaces the faults of a scope (global when no orderId). Throws on an invalid spec. */
  set(spec: FaultSpec, scope: FaultScope = {}): void {
    const parsed = faultSpecSchema.parse(spec);
    const entry: Entry = {
      spec: parsed,
      notificationsLeft: parsed.times,
      statusCallsLeft: parsed.statusApi?.count,
      statusUntil:
        parsed.statusApi?.durationMs === undefined ? undefined : this.#now() + parsed.statusApi.durationMs,
    };
    if (scope.orderId === undefined) {
      this.#global = entry;
    } else {
      this.#byOrder.set(scope.orderId, entry);
    }
  }

  /** Clears one scope, or everything when called without a scope. */
  clear(scope?: FaultScope): void {
    if (scope?.orderId !== undefined) {
      this.#byOrder.delete(scope.orderId);
      return;
    }
    if (scope === undefined) {
      this.#byOrder.clear();
    }
    this.#global = undefined;
  }

  list(): { global: FaultSpec | null; orders: Record<string, FaultSpec> } {
    const orders: Record<string, FaultSpec> = {};
    for (const [orderId, entry] of this.#byOrder) {
      orders[orderId] = entry.spec;
    }
    return { global: this.#global?.spec ?? null, orders };
  }

  #entryFor(orderId: string | undefined): Entry | undefined {
    return (orderId === undefined ? undefined : this.#byOrder.get(orderId)) ?? this.#global;
  }

  /**
   * Decides the fate of one notification. Three numbers are drawn every time, whatever the
   * spec, so a seed yields the same decisions for the same sequence of notifications.
   */
  decideNotification(orderId: string): NotificationDecision {
    const draws = [this.#random(), this.#random(), this.#random()] as const;
    const entry = this.#entryFor(orderId);
    if (!entry || entry.notificationsLeft === 0) {
      return NO_FAULT;
    }
    const { spec } = entry;
    const drop = spec.drop === true || draws[0] < (spec.dropRate ?? 0);
    const duplicate = !drop && (spec.duplicate === true || draws[1] < (spec.duplicateRate ?? 0));
    const reorder = !drop && (spec.reorder === true || draws[2] < (spec.reorderRate ?? 0));
    const delayMs = drop ? 0 : (spec.delayMs ?? 0);
    const applied: FaultName[] = [];
    for (const [name, on] of [
      ['drop', drop],
      ['duplicate', duplicate],
      ['reorder', reorder],
      ['delay', delayMs > 0],
    ] as const) {
      if (on) {
        applied.push(name);
      }
    }
    if (entry.notificationsLeft !== undefined && hasNotificationFault(spec)) {
      entry.notificationsLeft -= 1;
    }
    return applied.length === 0 ? NO_FAULT : { drop, duplicate, reorder, delayMs, applied };
  }

  /** The status-API fault for this call, if any; consumes one from its count. */
  takeStatusFault(orderId: string | undefined): StatusApiFault | undefined {
    const entry = this.#entryFor(orderId);
    const fault = entry?.spec.statusApi;
    if (!entry || !fault) {
      return undefined;
    }
    if (entry.statusUntil !== undefined && this.#now() >= entry.statusUntil) {
      return undefined;
    }
    if (entry.statusCallsLeft !== undefined) {
      if (entry.statusCallsLeft <= 0) {
        return undefined;
      }
      entry.statusCallsLeft -= 1;
    }
    return fault;
  }
}

function hasNotificationFault(spec: FaultSpec): boolean {
  return (
    spec.drop === true ||
    spec.duplicate === true ||
    spec.reorder === true ||
    (spec.delayMs ?? 0) > 0 ||
    (spec.dropRate ?? 0) > 0 ||
    (spec.duplicateRate ?? 0) > 0 ||
    (spec.reorderRate ?? 0) > 0
  );
}
