-- Taken once per tenant a batch writes, in tenant order (so two batches over the same tenants cannot deadlock): two
-- batches of one tenant commit in the order their positions were assigned.
SELECT pg_advisory_xact_lock(hashtextextended(@tenant, 7))
