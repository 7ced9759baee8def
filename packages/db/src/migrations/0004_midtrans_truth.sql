-- Lunas 0004: Midtrans's truth. Several Midtrans transactions per order (a payment row Lunas
-- records itself when the shop has none for a confirmed transaction), refunds with amounts,
-- audit rows that say what the notification claimed and what Get Status confirmed, and the
-- mismatch kinds for "Lunas says paid, Midtrans does not" and "refunded without payment".
-- Every ADD COLUMN is metadata-only on Postgres >= 11. Released migrations are never edited.

ALTER TABLE order_payments
  -- Cumulative refunded or charged-back amount, as Midtrans reports it (refund_amount).
  ADD COLUMN IF NOT EXISTS refunded_amount numeric(14,2) NOT NULL DEFAULT 0,
  -- Who inserted the row: the shop, or Lunas for a confirmed transaction the shop never recorded.
  ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT 'shop',
  -- The order_id as Midtrans has it (differs from orders.order_code for Payment Link payments).
  ADD COLUMN IF NOT EXISTS midtrans_order_id text;

ALTER TABLE order_payments DROP CONSTRAINT IF EXISTS order_payments_source_check;
ALTER TABLE order_payments ADD CONSTRAINT order_payments_source_check CHECK (source IN ('shop', 'lunas'));

ALTER TABLE order_payments DROP CONSTRAINT IF EXISTS order_payments_mismatch_kind_check;
ALTER TABLE order_payments ADD CONSTRAINT order_payments_mismatch_kind_check CHECK (mismatch_kind IN (
  'paid_not_recorded', 'amount_rejected', 'reversal', 'unknown_to_midtrans',
  'paid_not_in_midtrans', 'refunded_unpaid'));

-- One row per refund or chargeback Midtrans lists for a payment (refunds[]).
CREATE TABLE IF NOT EXISTS payment_refunds (
  id                    bigserial PRIMARY KEY,
  payment_id            bigint NOT NULL REFERENCES order_payments(id),
  -- Stable per payment: 'id:<refund_chargeback_id>', else 'key:<refund_key>', else 'n:<position>'.
  identity              text NOT NULL,
  kind                  text NOT NULL CHECK (kind IN ('refund', 'chargeback')),
  refund_chargeback_id  text,
  refund_key            text,
  amount                numeric(14,2) NOT NULL,
  reason                text,
  -- When Midtrans recorded the refund, and when the bank confirmed it (the second notification).
  refunded_at           timestamptz,
  bank_confirmed_at     timestamptz,
  recorded_at           timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (payment_id, identity)
);

ALTER TABLE core_payment_sync_logs
  -- The cumulative refunded amount a transition reached (partial steps repeat, each its own).
  ADD COLUMN IF NOT EXISTS refunded_amount numeric(14,2),
  -- Why a result was refused, as a stable code (see SYNC_REASONS in @lunas/core).
  ADD COLUMN IF NOT EXISTS reason_code text,
  -- What the notification claimed (transaction_status / fraud_status), beside what was applied.
  ADD COLUMN IF NOT EXISTS notified_status text,
  -- The Get Status answer the decision rests on (signature removed); NULL when none was asked.
  ADD COLUMN IF NOT EXISTS confirmation jsonb;

-- "Exactly one 'applied' row per real transition", now that partial steps repeat: one per
-- (payment, status, cumulative amount). Old rows have no amount and stay unique as before.
DROP INDEX IF EXISTS core_payment_sync_logs_one_applied_per_status;
CREATE UNIQUE INDEX IF NOT EXISTS core_payment_sync_logs_one_applied_per_step
  ON core_payment_sync_logs (payment_id, to_status, COALESCE(refunded_amount, 0)) WHERE outcome = 'applied';
