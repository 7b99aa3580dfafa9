-- After-call work (issue 10 §4): the agent's disposition, notes and time in
-- after-call work, stored with the call. Applied by node-pg-migrate, on
-- PostgreSQL and on the embedded PGlite alike.

-- Up Migration

-- What the agent filed, by member UUID. The call record may be written before
-- or after this arrives (the record is written at the end of the call, the
-- disposition during after-call work, and either may wait for the database):
-- a disposition filed first waits here and the trigger below copies it into
-- the record when the record is inserted; one filed later updates the record
-- directly. Both paths are idempotent (upsert / same values again).
CREATE TABLE call_dispositions (
  member_uuid     text PRIMARY KEY,
  agent           text NOT NULL,
  queue           text NOT NULL,
  disposition     text,
  notes           text,
  after_call_s    integer,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION call_records_take_disposition() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d call_dispositions%ROWTYPE;
BEGIN
  SELECT * INTO d FROM call_dispositions WHERE member_uuid = NEW.member_uuid;
  IF FOUND THEN
    NEW.disposition := COALESCE(d.disposition, NEW.disposition);
    NEW.notes := COALESCE(d.notes, NEW.notes);
    NEW.after_call_s := COALESCE(d.after_call_s, NEW.after_call_s);
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER call_records_disposition BEFORE INSERT ON call_records
  FOR EACH ROW EXECUTE FUNCTION call_records_take_disposition();

-- Down Migration
DROP TRIGGER call_records_disposition ON call_records;
DROP FUNCTION call_records_take_disposition();
DROP TABLE call_dispositions;
