-- Grain state for the Orleans ADO.NET persistence provider (Microsoft.Orleans.Persistence.AdoNet).
--
-- The providers read every statement they run from OrleansQuery (QueryKey, QueryText); the table name and
-- its two columns are fixed by Orleans. Later migrations add rows or replace a QueryText with UPDATE.
--
-- Unlike the hashed, index-only layout Orleans suggests, the row of a grain has a real unique key
-- (service, state name, the numeric parts of the grain id and its string part), so two activations racing to
-- insert the same grain cannot both win. The hash parameters Orleans sends are not needed and not stored.
-- Versions are the etags: every write must name the version it read, or it changes nothing.

CREATE TABLE OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

CREATE TABLE orleans_grain_state
(
    service_id         TEXT    NOT NULL,
    grain_type         TEXT    NOT NULL,           -- the state name, e.g. 'agent'
    grain_id_n0        INTEGER NOT NULL,
    grain_id_n1        INTEGER NOT NULL,
    grain_id_extension TEXT    NOT NULL,           -- the string key, or '' for none
    payload            BLOB    NULL,               -- NULL after a clear
    version            INTEGER NOT NULL,
    modified_at        TEXT    NOT NULL,           -- UTC, informational
    CONSTRAINT uq_orleans_grain_state UNIQUE (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);

-- Returns the stored payload and its version; no row for a grain never written.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT payload AS PayloadBinary, version AS Version
FROM orleans_grain_state
WHERE service_id = @ServiceId
  AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND grain_id_extension = coalesce(@GrainIdExtensionString, '''')
');

-- Updates the row at the version the grain read, or inserts the first row when it read none.
-- Exactly one of the two statements can return a row: the new version. No row means a conflict,
-- which Orleans reports as InconsistentStateException.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
UPDATE orleans_grain_state
SET payload = @PayloadBinary,
    version = version + 1,
    modified_at = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
WHERE service_id = @ServiceId
  AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND grain_id_extension = coalesce(@GrainIdExtensionString, '''')
  AND version = @GrainStateVersion
RETURNING version AS NewGrainStateVersion;

INSERT INTO orleans_grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension, payload, version, modified_at)
SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, coalesce(@GrainIdExtensionString, ''''), @PayloadBinary, 1,
       strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
WHERE @GrainStateVersion IS NULL
ON CONFLICT DO NOTHING
RETURNING version AS NewGrainStateVersion;
');

-- Keeps the row with a NULL payload and a new version, so a stale writer still conflicts.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE orleans_grain_state
SET payload = NULL,
    version = version + 1,
    modified_at = strftime(''%Y-%m-%dT%H:%M:%fZ'', ''now'')
WHERE service_id = @ServiceId
  AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND grain_id_extension = coalesce(@GrainIdExtensionString, '''')
  AND version = @GrainStateVersion
RETURNING version AS NewGrainStateVersion;
');

-- Used instead of ClearStorageKey when the provider is set to delete on clear; answers the old version + 1.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', '
DELETE FROM orleans_grain_state
WHERE service_id = @ServiceId
  AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND grain_id_extension = coalesce(@GrainIdExtensionString, '''')
  AND version = @GrainStateVersion
RETURNING version + 1 AS NewGrainStateVersion;
');
