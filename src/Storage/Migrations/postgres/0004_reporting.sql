-- Report tables (docs/architecture.md#reporting). Times are UTC ticks (100 ns since 0001-01-01), exact and sortable.

-- One row per event, append-only. The position only grows; writers of one tenant take turns on an advisory
-- lock (ReportStore), so a tenant's positions become visible in the order they were assigned.
CREATE TABLE ws_events
(
    position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    agent_id TEXT NULL,
    session_id TEXT NULL,
    at_ticks BIGINT NOT NULL,
    kind TEXT NOT NULL,
    from_status TEXT NULL,
    to_status TEXT NULL,
    reason TEXT NULL,
    actor_role TEXT NULL,
    actor_id TEXT NULL,
    note TEXT NULL,
    details TEXT NULL,
    CONSTRAINT ux_ws_events_event_id UNIQUE (event_id)
);

CREATE INDEX ix_ws_events_tenant_position ON ws_events (tenant_id, position);
CREATE INDEX ix_ws_events_tenant_agent_at ON ws_events (tenant_id, agent_id, at_ticks);
-- A session's events, for timecards and open sessions.
CREATE INDEX ix_ws_events_session ON ws_events (session_id, position);
-- The daily retention purge.
CREATE INDEX ix_ws_events_at ON ws_events (at_ticks);

-- One row per work session: inserted when it starts, completed when it ends.
CREATE TABLE ws_sessions
(
    session_id TEXT NOT NULL PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    started_at_ticks BIGINT NOT NULL,
    ended_at_ticks BIGINT NULL,
    end_reason TEXT NULL,
    ended_by TEXT NULL,
    prompt_count INTEGER NOT NULL DEFAULT 0,
    continue_count INTEGER NOT NULL DEFAULT 0,
    ready_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    not_ready_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    occupied_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    note TEXT NULL
);

CREATE INDEX ix_ws_sessions_tenant_started ON ws_sessions (tenant_id, started_at_ticks, session_id);
CREATE INDEX ix_ws_sessions_tenant_agent_started ON ws_sessions (tenant_id, agent_id, started_at_ticks);
CREATE INDEX ix_ws_sessions_ended ON ws_sessions (ended_at_ticks);
