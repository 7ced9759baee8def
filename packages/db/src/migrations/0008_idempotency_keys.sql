-- Lunas 0008: Idempotency-Key records of POST /payments (write-ahead checkout). A key is
-- written in the same transaction as the order and payment row it made, so a retried request
-- finds the row instead of making a second one; Midtrans's answer is stored on it once known,
-- and a retry is answered from there. Rows older than the retention are deleted by the API.

CREATE TABLE IF NOT EXISTS payment_idempotency_keys (
  key            text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
  -- SHA-256 of the canonical request (order_code, amount, currency, method): the same key with
  -- another request is refused.
  request_hash   text NOT NULL,
  order_code     text NOT NULL,
  payment_id     bigint NOT NULL REFERENCES order_payments(id),
  -- While a request holds the key (its Midtrans call in flight), a retry is answered 409.
  locked_until   timestamptz,
  -- Midtrans's answer as sent to the shop; NULL until Midtrans answered a charge.
  response_code  integer,
  response       jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  completed_at   timestamptz
);

CREATE INDEX IF NOT EXISTS payment_idempotency_keys_created_at_idx ON payment_idempotency_keys (created_at);
