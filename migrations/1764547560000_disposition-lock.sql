-- A call record inserted while its disposition is being filed must not lose it.
-- Under READ COMMITTED the two can miss each other: the record's INSERT trigger
-- reads call_dispositions before the disposition commits, and the disposition's
-- UPDATE of call_records runs before the record commits (so it updates nothing).
-- Both sides now take the same transaction-scoped advisory lock on the member
-- UUID first (src/aftercall/disposition-store.ts takes it before its upsert and
-- UPDATE): whichever comes second waits, then reads what the first committed
-- (a plpgsql statement and the store's next statement each take a new snapshot).

-- Up Migration

CREATE OR REPLACE FUNCTION call_records_take_disposition() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d call_dispositions%ROWTYPE;
BEGIN
  PERFORM pg_advisory_xact_lock(8801, hashtext(NEW.member_uuid));
  SELECT * INTO d FROM call_dispositions WHERE member_uuid = NEW.member_uuid;
  IF FOUND THEN
    NEW.disposition := COALESCE(d.disposition, NEW.disposition);
    NEW.notes := COALESCE(d.notes, NEW.notes);
    NEW.after_call_s := COALESCE(d.after_call_s, NEW.after_call_s);
  END IF;
  RETURN NEW;
END
$$;

-- Down Migration
CREATE OR REPLACE FUNCTION call_records_take_disposition() RETURNS trigger LANGUAGE plpgsql AS $$
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
