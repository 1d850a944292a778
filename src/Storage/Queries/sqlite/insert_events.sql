-- One statement per chunk of a batch; {rows} becomes one (…) tuple per row, inserted in VALUES order so positions
-- follow the outbox order within the batch. An event delivered again is stored once.
INSERT INTO ws_events (event_id, tenant_id, agent_id, session_id, at_ticks, kind, from_status, to_status, reason,
    actor_role, actor_id, note, details, team_id, previous_team_id)
VALUES {rows}
ON CONFLICT (event_id) DO NOTHING
