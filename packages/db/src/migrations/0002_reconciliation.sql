-- Lunas 0002: reconciliation. Per-payment check schedule, the last answer Midtrans gave, and
-- flags for payments that need a person. Columns live on order_payments (not a side table) so
-- the sweep reads one row per payment and leaves the table when its status turns final.
--
-- Every ADD COLUMN here is metadata-only on Postgres ≥ 11 (constant or stable defaults), so it
-- does not rewrite a large order_payments. The indexes are plain CREATE INDEX (the migrator runs
-- each file in a transaction, where CONCURRENTLY is not allowed); on a very large live table
-- create them CONCURRENTLY by hand first; IF NOT EXISTS then makes this a no-op.

ALTER TABLE order_payments
  -- When the next Get Status is due. Defaults to the insert time: the sweep adds the minimum
  -- age itself (RECONCILE_MIN_AGE_MS), so a fresh payment waits for its notification first.
  ADD COLUMN IF NOT EXISTS next_check_at         timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN IF NOT EXISTS last_checked_at       timestamptz,
  ADD COLUMN IF NOT EXISTS check_count           integer NOT NULL DEFAULT 0,
  -- The last Get Status answer, verbatim where it matters for the mismatch ledger.
  ADD COLUMN IF NOT EXISTS midtrans_status       text,
  ADD COLUMN IF NOT EXISTS midtrans_fraud_status text,
  ADD COLUMN IF NOT EXISTS midtrans_status_code  text,
  ADD COLUMN IF NOT EXISTS midtrans_gross_amount numeric(14,2),
  -- First time Midtrans answered 404 for this payment (cleared by any later status).
  ADD COLUMN IF NOT EXISTS midtrans_unknown_since timestamptz,
  -- Why this payment is on the mismatch ledger, and since when (NULL: it is not).
  ADD COLUMN IF NOT EXISTS mismatch_kind         text
    CHECK (mismatch_kind IN ('paid_not_recorded', 'amount_rejected', 'reversal', 'unknown_to_midtrans')),
  ADD COLUMN IF NOT EXISTS mismatch_since        timestamptz,
  -- A paid payment is watched until this time: Midtrans can still reverse a settlement
  -- (settlement then deny, usually within minutes) or refund it, and if that notification is
  -- lost only a Get Status shows it. NULL: not watched.
  ADD COLUMN IF NOT EXISTS watch_until           timestamptz;

-- The sweep: open (or still watched) payments in due order. Partial, so a payment drops out of
-- the index the moment it turns final or its watch ends, and the index stays as small as the
-- set the sweep can ever pick.
CREATE INDEX IF NOT EXISTS order_payments_reconcile_due_idx
  ON order_payments (next_check_at, id)
  WHERE payment_status IN ('PENDING', 'CHALLENGE', 'AUTHORIZED') OR watch_until IS NOT NULL;

-- GET /admin/payments/stuck: the oldest PENDING payments first.
CREATE INDEX IF NOT EXISTS order_payments_pending_created_idx
  ON order_payments (created_at, id)
  WHERE payment_status = 'PENDING';

-- GET /admin/payments/mismatches.
CREATE INDEX IF NOT EXISTS order_payments_mismatch_idx
  ON order_payments (mismatch_since, id)
  WHERE mismatch_kind IS NOT NULL;

-- Reversals applied by the webhook path also belong on the ledger; they are found by order.
CREATE INDEX IF NOT EXISTS orders_payment_reversed_idx
  ON orders (updated_at, id)
  WHERE status = 'PAYMENT_REVERSED';
