-- The end of a session: a new row when its start was never delivered, its figures on the row otherwise (the team
-- stays the one its start recorded, which the end's record repeats).
INSERT INTO ws_sessions (session_id, tenant_id, agent_id, started_at_ticks, ended_at_ticks, end_reason, ended_by,
    prompt_count, continue_count, ready_seconds, not_ready_seconds, occupied_seconds, note, team_id)
VALUES {rows}
ON CONFLICT (session_id) DO UPDATE SET ended_at_ticks = excluded.ended_at_ticks, end_reason = excluded.end_reason,
    ended_by = excluded.ended_by, prompt_count = excluded.prompt_count, continue_count = excluded.continue_count,
    ready_seconds = excluded.ready_seconds, not_ready_seconds = excluded.not_ready_seconds,
    occupied_seconds = excluded.occupied_seconds, note = excluded.note
