-- Durable reminders for the Orleans ADO.NET reminder service (Microsoft.Orleans.Reminders.AdoNet).
-- The service loads every OrleansQuery row at start and needs all seven reminder keys.
--
-- grain_hash is the uniform hash of the grain as a signed 32-bit integer; each silo reads the reminders of its
-- slice of the hash ring with ReadRangeRows1Key (a plain range) or ReadRangeRows2Key (a range that wraps).
-- start_time is UTC text, period is milliseconds, version is the etag of the reminder.

CREATE TABLE orleans_reminders
(
    service_id    TEXT    NOT NULL,
    grain_id      TEXT    NOT NULL,
    reminder_name TEXT    NOT NULL,
    start_time    TEXT    NOT NULL,
    period        INTEGER NOT NULL,
    grain_hash    INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    CONSTRAINT pk_orleans_reminders PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX ix_orleans_reminders_hash ON orleans_reminders (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpsertReminderRowKey', '
INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 1)
ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
SET start_time = excluded.start_time,
    period = excluded.period,
    grain_hash = excluded.grain_hash,
    version = orleans_reminders.version + 1
RETURNING version AS Version;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowsKey', '
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period, version AS Version
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_id = @GrainId;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowKey', '
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period, version AS Version
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows1Key', '
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period, version AS Version
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows2Key', '
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period AS Period, version AS Version
FROM orleans_reminders
WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash);
');

-- Answers one row, one column: whether the reminder was removed at the version the caller holds.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowKey', '
DELETE FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName AND version = @Version;
SELECT changes() > 0 AS Deleted;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowsKey', '
DELETE FROM orleans_reminders WHERE service_id = @ServiceId;
');
