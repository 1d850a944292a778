-- One chunk of the purge: sessions that ended before the cutoff. The subquery walks the end-time index.
DELETE FROM ws_sessions WHERE session_id IN (SELECT session_id FROM ws_sessions WHERE ended_at_ticks < @cutoff LIMIT @limit)
