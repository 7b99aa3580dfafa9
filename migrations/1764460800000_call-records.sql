-- Call records (issue 11, part 1). Applied by node-pg-migrate, on PostgreSQL
-- and on the embedded PGlite alike: plain SQL that both understand.

-- Up Migration

-- Calls in a queue or with an agent right now (astercrm's curcdr). One row per
-- member UUID, kept durable so that a gateway started mid-call knows how the
-- call began (offers, exported variables); deleted when the record is written.
CREATE TABLE live_calls (
  member_uuid     text PRIMARY KEY,
  session_uuid    text NOT NULL DEFAULT '',
  queue           text NOT NULL,
  caller_number   text NOT NULL DEFAULT '',
  caller_name     text NOT NULL DEFAULT '',
  destination     text NOT NULL DEFAULT '',
  variables       jsonb NOT NULL DEFAULT '{}',
  state           text NOT NULL,
  agent           text,
  agent_uuid      text,
  joined_at       timestamptz NOT NULL,
  offered_at      timestamptz,
  answered_at     timestamptz,
  offers          jsonb NOT NULL DEFAULT '[]',
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One row per queue call, written when it ends (astercrm's mycdr). The member
-- UUID is unique: every writer inserts with ON CONFLICT DO NOTHING, so replays,
-- restarts and several gateway instances still leave exactly one row.
CREATE TABLE call_records (
  member_uuid     text PRIMARY KEY,
  session_uuid    text NOT NULL DEFAULT '',
  direction       text NOT NULL DEFAULT 'inbound',
  queue           text NOT NULL,
  caller_number   text NOT NULL DEFAULT '',
  caller_name     text NOT NULL DEFAULT '',
  destination     text NOT NULL DEFAULT '',
  variables       jsonb NOT NULL DEFAULT '{}',
  joined_at       timestamptz NOT NULL,
  offered_at      timestamptz,
  answered_at     timestamptz,
  ended_at        timestamptz NOT NULL,
  wait_s          integer NOT NULL,
  ring_s          integer,
  talk_s          integer,
  offers          jsonb NOT NULL DEFAULT '[]',
  agent           text,
  agent_uuid      text,
  outcome         text NOT NULL,
  cause           text NOT NULL DEFAULT '',
  cancel_reason   text,
  hangup_cause    text,
  -- Filled by later work (call handling, recording): nullable on purpose.
  hold_s          integer,
  after_call_s    integer,
  disposition     text,
  notes           text,
  transfers       jsonb,
  recording_path  text,
  recorded_at     timestamptz NOT NULL DEFAULT now()
);

-- Keyset pagination runs on (ended_at, member_uuid); each filter has an index
-- that leads with it and then follows that order.
CREATE INDEX call_records_ended_idx ON call_records (ended_at, member_uuid);
CREATE INDEX call_records_queue_idx ON call_records (queue, ended_at, member_uuid);
CREATE INDEX call_records_agent_idx ON call_records (agent, ended_at, member_uuid);
CREATE INDEX call_records_caller_idx ON call_records (caller_number, ended_at, member_uuid);
CREATE INDEX call_records_outcome_idx ON call_records (outcome, ended_at, member_uuid);

-- Down Migration
DROP TABLE call_records;
DROP TABLE live_calls;
