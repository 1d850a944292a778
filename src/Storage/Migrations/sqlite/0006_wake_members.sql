-- The wake shards' members (docs/architecture.md#timers-and-reminders): an agent with an open session or undelivered
-- report events, the hash that places it in a shard, and the session it joined with. One row written when a session
-- opens and removed when it is over; a shard reads its hash range when it activates.
CREATE TABLE ws_wake_members (
    service_id TEXT NOT NULL,
    agent_key TEXT NOT NULL,
    agent_hash INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    PRIMARY KEY (service_id, agent_key)
);

CREATE INDEX ix_ws_wake_members_hash ON ws_wake_members (service_id, agent_hash);
