-- Agents with a session that has time in [from, to), in id order, after a cursor agent; @teams: the teams those
-- sessions started in.
SELECT DISTINCT agent_id
FROM ws_sessions
WHERE tenant_id = @tenant AND started_at_ticks < @to
    AND (ended_at_ticks IS NULL OR ended_at_ticks > @from)
    AND team_id IN (@teams) -- when @teams
    AND agent_id > @after -- when @after
ORDER BY agent_id
LIMIT @limit
