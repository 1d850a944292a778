-- Sessions that started in [from, to), ordered by start and id, after a (start, id) cursor; @teams: the teams they
-- started in (a list, NULL when empty).
SELECT session_id, agent_id, started_at_ticks, ended_at_ticks, end_reason, ended_by, prompt_count, continue_count,
    ready_seconds, not_ready_seconds, occupied_seconds, note, team_id
FROM ws_sessions
WHERE tenant_id = @tenant AND started_at_ticks >= @from AND started_at_ticks < @to
    AND agent_id = @agent -- when @agent
    AND end_reason = @end_reason -- when @end_reason
    AND team_id IN (@teams) -- when @teams
    AND (started_at_ticks > @after_ticks OR (started_at_ticks = @after_ticks AND session_id > @after_id)) -- when @after_ticks
ORDER BY started_at_ticks, session_id
LIMIT @limit
