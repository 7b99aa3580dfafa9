-- Outbound calls (issue 10 §3): one row per click-to-dial action. Applied by
-- node-pg-migrate, on PostgreSQL and on the embedded PGlite alike.

-- Up Migration

-- An action's lifecycle (Vicidial's action queue, kept durable): new → sent →
-- agent-ringing → agent-answered → customer-ringing → bridged → ended, or
-- failed with the switch's cause. A gateway that starts finds every action it
-- has to send (new) or to check against the switch's channels (sent … bridged).
CREATE TABLE outbound_actions (
  id                 text PRIMARY KEY,
  agent              text NOT NULL,
  -- The request's idempotency key: a retried request finds its action instead of dialling again.
  idempotency_key    text NOT NULL,
  number             text NOT NULL,
  caller_id_number   text NOT NULL,
  caller_id_name     text NOT NULL,
  -- The queue whose caller ID was used ('' for the agent's own or the default one).
  queue              text NOT NULL DEFAULT '',
  -- Who asked: agent-desk:<agent> or rest:<token name>; and with which role's rules.
  requested_by       text NOT NULL,
  role               text NOT NULL,
  state              text NOT NULL,
  cause              text,
  agent_leg_uuid     text NOT NULL,
  customer_leg_uuid  text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  sent_at            timestamptz,
  agent_answered_at  timestamptz,
  bridged_at         timestamptz,
  ended_at           timestamptz,
  -- Set once the action's call record is written (ended or failed).
  recorded_at        timestamptz
);

-- Sent at most once per request, whatever the retries.
CREATE UNIQUE INDEX outbound_actions_idempotency_idx ON outbound_actions (agent, idempotency_key);
-- One outbound call per agent at a time, across gateway instances.
CREATE UNIQUE INDEX outbound_actions_one_open_idx ON outbound_actions (agent) WHERE state NOT IN ('ended', 'failed');
CREATE INDEX outbound_actions_open_idx ON outbound_actions (state) WHERE state NOT IN ('ended', 'failed');

-- Down Migration
DROP TABLE outbound_actions;
