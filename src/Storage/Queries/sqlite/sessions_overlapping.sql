-- One agent's sessions with time in [from, to), in start order; @teams: the teams they started in.
SELECT session_id, agent_id, started_at_ticks, ended_at_ticks, end_reason, ended_by, prompt_count, continue_count,
    ready_seconds, not_ready_seconds, occupied_seconds, note, team_id
FROM ws_sessions
WHERE tenant_id = @tenant AND agent_id = @agent AND started_at_ticks < @to
    AND (ended_at_ticks IS NULL OR ended_at_ticks > @from)
    AND team_id IN (@teams) -- when @teams
ORDER BY started_at_ticks, session_id
