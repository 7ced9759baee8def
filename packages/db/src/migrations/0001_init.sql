-- Lunas 0001: the public tables (orders, order_payments, core_payment_sync_logs) and the
-- trigger that wakes the workers when the shop inserts a payment row.
-- Released migrations are never edited: the runner refuses a changed checksum.

CREATE TABLE IF NOT EXISTS orders (
  id            bigserial PRIMARY KEY,
  order_code    text NOT NULL UNIQUE,
  status        text NOT NULL DEFAULT 'PENDING',
  total_amount  numeric(14,2) NOT NULL,
  currency      text NOT NULL DEFAULT 'IDR',
  paid_at       timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS order_payments (
  id              bigserial PRIMARY KEY,
  order_id        bigint NOT NULL REFERENCES orders(id),
  payment_status  text NOT NULL DEFAULT 'PENDING',
  payment_method  text,
  transaction_id  text,
  gross_amount    numeric(14,2),
  paid_at         timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A Midtrans transaction belongs to one payment row.
CREATE UNIQUE INDEX IF NOT EXISTS order_payments_transaction_id_key
  ON order_payments (transaction_id) WHERE transaction_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS order_payments_order_id_idx ON order_payments (order_id);

CREATE TABLE IF NOT EXISTS core_payment_sync_logs (
  id                          bigserial PRIMARY KEY,
  order_code                  text NOT NULL,
  payment_id                  bigint REFERENCES order_payments(id),
  sync_type                   text NOT NULL CHECK (sync_type IN ('webhook', 'reconcile', 'manual')),
  outcome                     text NOT NULL CHECK (outcome IN ('applied', 'duplicate', 'stale', 'rejected')),
  from_status                 text,
  to_status                   text,
  midtrans_transaction_status text,
  midtrans_transaction_id     text,
  payload                     jsonb NOT NULL,
  -- Lunas additions: the job that decided, why a row was rejected, and whether it reversed a payment.
  job_id                      text,
  reason                      text,
  reversal                    boolean NOT NULL DEFAULT false,
  created_at                  timestamptz NOT NULL DEFAULT now()
);

-- The invariant "exactly one 'applied' row per real transition": transitions only move
-- forward, so a payment reaches each status at most once.
CREATE UNIQUE INDEX IF NOT EXISTS core_payment_sync_logs_one_applied_per_status
  ON core_payment_sync_logs (payment_id, to_status) WHERE outcome = 'applied';
CREATE INDEX IF NOT EXISTS core_payment_sync_logs_order_code_idx
  ON core_payment_sync_logs (order_code, created_at);

-- Fast path for the incident's race: a notification that arrived before its payment row waits
-- in a delayed job; this NOTIFY (sent at commit) lets a worker promote it at once.
CREATE OR REPLACE FUNCTION lunas_notify_payment_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  code text;
BEGIN
  SELECT o.order_code INTO code FROM orders o WHERE o.id = NEW.order_id;
  IF code IS NOT NULL THEN
    PERFORM pg_notify('lunas_payment_inserted', code);
  END IF;
  RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS lunas_payment_inserted ON order_payments;
CREATE TRIGGER lunas_payment_inserted
  AFTER INSERT ON order_payments
  FOR EACH ROW EXECUTE FUNCTION lunas_notify_payment_inserted();
