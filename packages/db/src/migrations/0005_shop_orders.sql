-- Lunas 0005: the shop's orders as Lunas reads and changes them (docs/adopting.md). Lunas reads
-- orders only through the view shop_orders (order_code, total_amount, currency, status, and
-- optionally created_at) and changes them only through shop_mark_order(order_code, new_status,
-- paid_at), called in the payment's transaction with 'PAID' or 'PAYMENT_REVERSED'. This file
-- installs the defaults over the builtin orders table, so builtin and adapter mode run the same
-- code. With SHOP_ORDERS=adapter the shop has created its own view and function in this schema
-- before migrating (the preflight checks them): they are left as they are.
-- Released migrations are never edited.

DO $do$
BEGIN
  IF to_regclass(format('%I.shop_orders', current_schema())) IS NULL THEN
    CREATE VIEW shop_orders AS
      SELECT order_code, total_amount, currency, status, created_at FROM orders;
  END IF;

  IF to_regprocedure(format('%I.shop_mark_order(text,text,timestamptz)', current_schema())) IS NULL THEN
    -- What the payment's transition does to its order: PAID from PENDING or PAYMENT_REVERSED;
    -- PAYMENT_REVERSED from PAID only (Lunas has checked that no other payment holds the money).
    -- Returns whether the order changed.
    CREATE FUNCTION shop_mark_order(order_code text, new_status text, paid_at timestamptz)
    RETURNS boolean
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
    AS $fn$
    DECLARE
      changed integer;
    BEGIN
      IF shop_mark_order.new_status = 'PAID' THEN
        UPDATE orders o SET status = 'PAID', paid_at = shop_mark_order.paid_at, updated_at = now()
        WHERE o.order_code = shop_mark_order.order_code AND o.status IN ('PENDING', 'PAYMENT_REVERSED');
      ELSIF shop_mark_order.new_status = 'PAYMENT_REVERSED' THEN
        UPDATE orders o SET status = 'PAYMENT_REVERSED', updated_at = now()
        WHERE o.order_code = shop_mark_order.order_code AND o.status = 'PAID';
      ELSE
        RAISE EXCEPTION 'shop_mark_order: unknown status %', shop_mark_order.new_status;
      END IF;
      GET DIAGNOSTICS changed = ROW_COUNT;
      RETURN changed > 0;
    END;
    $fn$;
  END IF;
END
$do$;

-- The fast-path trigger runs in the session of whoever inserts the payment row (the shop, whose
-- search_path may not name this schema): pin it to this schema.
ALTER FUNCTION lunas_notify_payment_inserted() SET search_path FROM CURRENT;
