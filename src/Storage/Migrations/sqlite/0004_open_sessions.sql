-- The open sessions of a tenant: the tenant grain rebuilds its roster from them when it activates
-- (docs/architecture.md#the-roster). Partial, so it holds only the few open rows among years of ended ones.
CREATE INDEX ix_ws_sessions_open ON ws_sessions (tenant_id, started_at_ticks) WHERE ended_at_ticks IS NULL;
