-- An end delivered before its start (or a start delivered again) leaves the row as it is.
INSERT INTO ws_sessions (session_id, tenant_id, agent_id, started_at_ticks, team_id)
VALUES {rows}
ON CONFLICT (session_id) DO NOTHING
