-- GET /api/outbound/actions (issue 10): newest first, keyset pages on
-- (created_at, id), by agent or not. Plain SQL for PostgreSQL and PGlite alike.

-- Up Migration

CREATE INDEX outbound_actions_created_idx ON outbound_actions (created_at DESC, id DESC);
CREATE INDEX outbound_actions_agent_created_idx ON outbound_actions (agent, created_at DESC, id DESC);

-- Down Migration
DROP INDEX outbound_actions_agent_created_idx;
DROP INDEX outbound_actions_created_idx;
