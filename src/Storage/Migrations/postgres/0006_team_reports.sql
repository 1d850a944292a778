-- Reports by team (docs/architecture.md#reporting): the team a session started in, and the team an agent was in at
-- each event (for an agent's team change, the team it joined and the one it left). Rows from before stay NULL: in no
-- team, as teams did not exist then. Adding a NULL column without a default rewrites nothing.
ALTER TABLE ws_sessions ADD COLUMN team_id TEXT NULL;
ALTER TABLE ws_events ADD COLUMN team_id TEXT NULL;
ALTER TABLE ws_events ADD COLUMN previous_team_id TEXT NULL;

-- The sessions, timecards and concurrency reports of some teams: by start time within each team.
CREATE INDEX ix_ws_sessions_tenant_team_started ON ws_sessions (tenant_id, team_id, started_at_ticks, session_id)
    WHERE team_id IS NOT NULL;
-- The feed and status history of some teams, in position order within each team.
CREATE INDEX ix_ws_events_tenant_team_position ON ws_events (tenant_id, team_id, position) WHERE team_id IS NOT NULL;
-- Agents leaving a team: only agent-team-changed events have one, so the index stays small.
CREATE INDEX ix_ws_events_tenant_previous_team_position ON ws_events (tenant_id, previous_team_id, position)
    WHERE previous_team_id IS NOT NULL;
