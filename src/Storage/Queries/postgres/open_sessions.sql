-- The tenant's sessions that have no end yet, oldest first.
SELECT agent_id, session_id
FROM ws_sessions
WHERE tenant_id = @tenant AND ended_at_ticks IS NULL
ORDER BY started_at_ticks
