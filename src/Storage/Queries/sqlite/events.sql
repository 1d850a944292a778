-- Events as a filter selects them; @sessions and @teams are lists (one parameter per id, NULL when empty). An event
-- belongs to a team when the agent was in it (team_id) or, for an agent's team change, left it (previous_team_id).
-- @since selects by time like @from, and bounds the position too: the first position at or after it, found by time
-- (ix_ws_events_at), lets the page read the tenant's positions from there rather than from its oldest event.
SELECT position, event_id, agent_id, session_id, at_ticks, kind, from_status, to_status, reason, actor_role, actor_id,
    note, details, team_id, previous_team_id
FROM ws_events
WHERE tenant_id = @tenant
    AND agent_id = @agent -- when @agent
    AND kind = @kind -- when @kind
    AND at_ticks >= @from -- when @from
    AND at_ticks < @to -- when @to
    AND at_ticks >= @since -- when @since
    AND position >= (SELECT MIN(position) FROM ws_events WHERE tenant_id = @tenant AND at_ticks >= @since) -- when @since
    AND position > @after -- when @after
    AND session_id IN (@sessions) -- when @sessions
    AND (team_id IN (@teams) OR previous_team_id IN (@teams)) -- when @teams
    AND position < @before -- when @before
ORDER BY position -- unless descending
ORDER BY position DESC -- when descending
LIMIT @limit
