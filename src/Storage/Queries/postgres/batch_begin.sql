-- First statement of a batch's transaction. A silo that froze holding a tenant's lock must not stall every other
-- silo's deliveries for that tenant until TCP notices: wait for the lock a few seconds at most (the batch is retried),
-- and let the server end a transaction of ours that sits idle.
SET LOCAL lock_timeout = '5s'; SET LOCAL idle_in_transaction_session_timeout = '30s'
