-- One chunk of the purge: events before the cutoff. The subquery walks the time index.
DELETE FROM ws_events WHERE position IN (SELECT position FROM ws_events WHERE at_ticks < @cutoff LIMIT @limit)
