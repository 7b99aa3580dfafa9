-- Queues defined over REST (issue 12). The gateway serves them to FreeSWITCH
-- over mod_xml_curl as callcenter.conf; queues not in this table stay the
-- switch's own (callcenter.conf.xml). Plain SQL for PostgreSQL and PGlite alike.

-- Up Migration

CREATE TABLE queue_definitions (
  name            text PRIMARY KEY,
  -- Only the parameters that were set, keyed as in callcenter.conf (strategy,
  -- moh-sound, …); the switch's defaults apply to the rest.
  params          jsonb NOT NULL DEFAULT '{}',
  -- true: the queue was first defined in the switch's files and taken over.
  taken_over      boolean NOT NULL DEFAULT false,
  created_by      text NOT NULL DEFAULT '',
  updated_by      text NOT NULL DEFAULT '',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE queue_definitions;
