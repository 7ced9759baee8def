-- Lunas 0003: the admin audit log. One row per state-changing admin action (today: moving dead
-- letters back to waiting): who did it (bearer token or console session, never the token
-- itself), what, on which target, and the reason the person gave. Rows are only ever inserted.

CREATE TABLE IF NOT EXISTS admin_audit (
  id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  -- 'bearer' or 'session:<session id>'.
  actor   text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
  -- e.g. 'dead_letter.retry'.
  action  text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
  -- What the action was applied to, e.g. the job id or 'window:<from>..<to>'.
  target  text NOT NULL CHECK (length(target) BETWEEN 1 AND 1000),
  reason  text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  detail  jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX IF NOT EXISTS admin_audit_at_idx ON admin_audit (at DESC);
