-- The tenant's latest position (NULL when it has no events).
SELECT MAX(position) FROM ws_events WHERE tenant_id = @tenant
