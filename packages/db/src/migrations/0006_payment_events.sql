-- Lunas 0006: payment events for the shop (issue 13, docs/events.md). A transactional outbox:
-- the worker inserts an event in the very transaction that applies a transition, so an event
-- exists if and only if its transition committed. The delivery columns say where each event
-- is on its way to EVENTS_WEBHOOK_URL; GET /events reads the same table by id (a cursor).
-- Released migrations are never edited.

CREATE TABLE IF NOT EXISTS payment_events (
  id            bigserial PRIMARY KEY,
  type          text NOT NULL,
  order_code    text NOT NULL,
  -- order_payments.id; no foreign key: the event log outlives whatever the shop does to its rows.
  payment_id    bigint,
  -- The applied sync log row this event comes from (one payment.* event per applied row).
  sync_log_id   bigint,
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- Delivery: when a delivery job was last put on the queue, the first 2xx, the attempts made,
  -- the last failure, and when the retries ran out (exhausted: shown in the console).
  relayed_at    timestamptz,
  delivered_at  timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text,
  exhausted_at  timestamptz
);

-- The relay reads the head (oldest undelivered event) of every order: small, since delivered
-- rows leave it.
CREATE INDEX IF NOT EXISTS payment_events_undelivered
  ON payment_events (order_code, id) WHERE delivered_at IS NULL;
CREATE INDEX IF NOT EXISTS payment_events_exhausted
  ON payment_events (exhausted_at) WHERE exhausted_at IS NOT NULL AND delivered_at IS NULL;
CREATE INDEX IF NOT EXISTS payment_events_sync_log ON payment_events (sync_log_id);
