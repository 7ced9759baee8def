/**
 * payment_events (migration 0006): the outbox of events for the shop. Inserted in the
 * transaction of the transition they describe; read by the relay (the head of each order),
 * the delivery processor, GET /events (a cursor by id) and the console (exhausted deliveries).
 */
import { eventsForTransition, type AppliedTransition, type EventPayload } from '@lunas/core';
import type { Sql, TransactionSql } from '../client.js';

type Db = Sql | TransactionSql;

export interface EventRow {
  readonly id: string;
  readonly type: string;
  readonly orderCode: string;
  readonly paymentId: string | null;
  readonly payload: EventPayload;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly exhaustedAt: Date | null;
}

const COLUMNS = (db: Db) => db`
  id::text AS id, type, order_code AS "orderCode", payment_id::text AS "paymentId", payload,
  created_at AS "createdAt", delivered_at AS "deliveredAt", attempts, last_error AS "lastError",
  exhausted_at AS "exhaustedAt"`;

/**
 * Writes the events of one applied transition (its payment.* event, and order.paid when the
 * order became PAID). Call it inside the transition's transaction: the events commit with it
 * or not at all.
 */
export async function insertTransitionEvents(
  tx: Db,
  input: { readonly transition: AppliedTransition; readonly syncLogId: string | null },
): Promise<string[]> {
  return insertTransitionsEvents(tx, [input]);
}

/** The events of many applied transitions, in one statement, in the order given. */
export async function insertTransitionsEvents(
  tx: Db,
  inputs: readonly { readonly transition: AppliedTransition; readonly syncLogId: string | null }[],
): Promise<string[]> {
  const rows = inputs.flatMap(({ transition, syncLogId }) =>
    eventsForTransition(transition).map((draft) => ({ draft, transition, syncLogId })),
  );
  if (rows.length === 0) {
    return [];
  }
  const doc = rows.map((r) => ({
    type: r.draft.type,
    order_code: r.transition.orderCode,
    payment_id: r.transition.paymentId,
    sync_log_id: r.syncLogId,
    payload: r.draft.payload,
  }));
  const inserted = await tx<{ id: string }[]>`
    WITH rows AS (
      INSERT INTO payment_events (type, order_code, payment_id, sync_log_id, payload)
      SELECT r->>'type', r->>'order_code', (r->>'payment_id')::bigint, (r->>'sync_log_id')::bigint, r->'payload'
      FROM jsonb_array_elements(${tx.json(doc)}) WITH ORDINALITY AS u(r, n)
      ORDER BY n
      RETURNING id
    )
    SELECT id::text AS id FROM rows ORDER BY rows.id`;
  if (inserted.length !== rows.length) {
    throw new Error(`insert into payment_events returned ${inserted.length} of ${rows.length} rows`);
  }
  return inserted.map((r) => r.id);
}

/** Events with an id above `after`, oldest first (GET /events). */
export async function listEventsAfter(db: Db, after: string, limit: number): Promise<EventRow[]> {
  return db<EventRow[]>`
    SELECT ${COLUMNS(db)} FROM payment_events
    WHERE id > ${after}::bigint
    ORDER BY payment_events.id
    LIMIT ${limit}`;
}

export async function getEvent(db: Db, id: string): Promise<EventRow | null> {
  const [row] = await db<EventRow[]>`SELECT ${COLUMNS(db)} FROM payment_events WHERE id = ${id}::bigint`;
  return row ?? null;
}

export interface EventHead {
  readonly id: string;
  readonly orderCode: string;
}

/**
 * The oldest undelivered event of each order whose delivery is not exhausted and that was not
 * put on the queue in the last `relayAgainAfterMs` (so a job lost with Redis is put back).
 * Only heads are ever queued: an order's next event waits for the one before it.
 */
export async function undeliveredHeads(
  db: Db,
  options: { readonly limit: number; readonly relayAgainAfterMs: number },
): Promise<EventHead[]> {
  return db<EventHead[]>`
    SELECT id, "orderCode" FROM (
      SELECT DISTINCT ON (order_code) id::text AS id, id AS n, order_code AS "orderCode",
             relayed_at, exhausted_at
      FROM payment_events
      WHERE delivered_at IS NULL
      ORDER BY order_code, payment_events.id
    ) heads
    WHERE exhausted_at IS NULL
      AND (relayed_at IS NULL OR relayed_at < now() - make_interval(secs => ${options.relayAgainAfterMs / 1000}))
    ORDER BY n
    LIMIT ${options.limit}`;
}

export async function markRelayed(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) {
    return;
  }
  await db`UPDATE payment_events SET relayed_at = now() WHERE id = ANY(${ids as string[]}::bigint[])`;
}

/** An undelivered event of the same order older than this one (it must go first). */
export async function hasEarlierUndelivered(db: Db, orderCode: string, id: string): Promise<boolean> {
  const rows = await db`
    SELECT 1 FROM payment_events
    WHERE order_code = ${orderCode} AND id < ${id}::bigint AND delivered_at IS NULL
    LIMIT 1`;
  return rows.length > 0;
}

/** The order's oldest undelivered, not exhausted event. */
export async function nextUndelivered(db: Db, orderCode: string): Promise<string | null> {
  const [row] = await db<{ id: string; exhaustedAt: Date | null }[]>`
    SELECT id::text AS id, exhausted_at AS "exhaustedAt" FROM payment_events
    WHERE order_code = ${orderCode} AND delivered_at IS NULL
    ORDER BY payment_events.id LIMIT 1`;
  return row && row.exhaustedAt === null ? row.id : null;
}

export async function markDelivered(db: Db, id: string): Promise<void> {
  await db`
    UPDATE payment_events
    SET delivered_at = COALESCE(delivered_at, now()), attempts = attempts + 1, last_error = NULL,
        exhausted_at = NULL
    WHERE id = ${id}::bigint`;
}

export async function markAttemptFailed(
  db: Db,
  id: string,
  error: string,
  exhausted: boolean,
): Promise<void> {
  await db`
    UPDATE payment_events
    SET attempts = attempts + 1, last_error = ${error.slice(0, 500)},
        exhausted_at = ${exhausted ? db`now()` : db`NULL`}
    WHERE id = ${id}::bigint AND delivered_at IS NULL`;
}

/** Deliveries whose retries ran out, newest first (the console's list). */
export async function listExhaustedEvents(
  db: Db,
  limit: number,
): Promise<{ total: number; events: EventRow[] }> {
  const [count] = await db<{ total: number }[]>`
    SELECT count(*)::int AS total FROM payment_events
    WHERE exhausted_at IS NOT NULL AND delivered_at IS NULL`;
  const events = await db<EventRow[]>`
    SELECT ${COLUMNS(db)} FROM payment_events
    WHERE exhausted_at IS NOT NULL AND delivered_at IS NULL
    ORDER BY exhausted_at DESC, payment_events.id DESC
    LIMIT ${limit}`;
  return { total: count?.total ?? 0, events };
}

/** Exhausted deliveries whose retries ran out within [from, to], oldest first. */
export async function exhaustedEventsIn(db: Db, from: Date, to: Date, limit: number): Promise<string[]> {
  const rows = await db<{ id: string }[]>`
    SELECT id::text AS id FROM payment_events
    WHERE exhausted_at IS NOT NULL AND delivered_at IS NULL
      AND exhausted_at BETWEEN ${from} AND ${to}
    ORDER BY exhausted_at, payment_events.id
    LIMIT ${limit}`;
  return rows.map((r) => r.id);
}

/**
 * Puts exhausted deliveries back on their way: the relay queues each again (with fresh
 * attempts) once it is its order's head. Returns the ids that were exhausted.
 */
export async function resetExhaustedEvents(db: Db, ids: readonly string[]): Promise<EventHead[]> {
  if (ids.length === 0) {
    return [];
  }
  return db<EventHead[]>`
    UPDATE payment_events SET exhausted_at = NULL, relayed_at = NULL
    WHERE id = ANY(${ids as string[]}::bigint[]) AND exhausted_at IS NOT NULL AND delivered_at IS NULL
    RETURNING id::text AS id, order_code AS "orderCode"`;
}
