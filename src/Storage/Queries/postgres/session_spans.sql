-- Start and end (null while open) of every session of the tenant with time in [from, to); @teams: the teams they
-- started in.
SELECT started_at_ticks, ended_at_ticks
FROM ws_sessions
WHERE tenant_id = @tenant AND started_at_ticks < @to
    AND (ended_at_ticks IS NULL OR ended_at_ticks > @from)
    AND team_id IN (@teams) -- when @teams
