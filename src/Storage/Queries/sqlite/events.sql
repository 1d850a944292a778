-- Events as a filter selects them; @sessions is a list (one parameter per session id, NULL when it is empty).
SELECT position, event_id, agent_id, session_id, at_ticks, kind, from_status, to_status, reason, actor_role, actor_id,
    note, details
FROM ws_events
WHERE tenant_id = @tenant
    AND agent_id = @agent -- when @agent
    AND kind = @kind -- when @kind
    AND at_ticks >= @from -- when @from
    AND at_ticks < @to -- when @to
    AND position > @after -- when @after
    AND session_id IN (@sessions) -- when @sessions
    AND position < @before -- when @before
ORDER BY position -- unless descending
ORDER BY position DESC -- when descending
LIMIT @limit
