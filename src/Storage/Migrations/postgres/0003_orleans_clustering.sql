-- Cluster membership for the Orleans ADO.NET clustering provider (Microsoft.Orleans.Clustering.AdoNet),
-- PostgreSQL only: an embedded SQLite node keeps localhost clustering.
--
-- The Orleans membership protocol keeps one version row per cluster (deployment_id is the ClusterId) and one
-- row per silo incarnation (address, port, generation). Every insert or status change of a silo must name
-- the table version the silo read and bumps it in the same statement; a stale version changes nothing and
-- answers 0, and the silo reads the table again. Heartbeats (IAmAlive) change only the row of that silo.
-- Status values are the Orleans SiloStatus: 3 = Active, 6 = Dead.

CREATE TABLE orleans_membership_version
(
    deployment_id varchar(150) NOT NULL,
    version       integer      NOT NULL,
    updated_at    timestamptz  NOT NULL,
    CONSTRAINT pk_orleans_membership_version PRIMARY KEY (deployment_id)
);

CREATE TABLE orleans_membership
(
    deployment_id   varchar(150) NOT NULL,
    address         varchar(45)  NOT NULL,
    port            integer      NOT NULL,
    generation      integer      NOT NULL,
    silo_name       varchar(150) NOT NULL,
    host_name       varchar(150) NOT NULL,
    status          integer      NOT NULL,
    proxy_port      integer      NOT NULL,
    suspect_times   text         NULL,
    start_time      timestamptz  NOT NULL,
    i_am_alive_time timestamptz  NOT NULL,
    CONSTRAINT pk_orleans_membership PRIMARY KEY (deployment_id, address, port, generation),
    CONSTRAINT fk_orleans_membership_version FOREIGN KEY (deployment_id)
        REFERENCES orleans_membership_version (deployment_id)
);

-- Answers 1 when this call created the version row of the cluster, 0 when it existed.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipVersionKey', '
WITH inserted AS (
    INSERT INTO orleans_membership_version (deployment_id, version, updated_at)
    VALUES (@DeploymentId, 0, now())
    ON CONFLICT ON CONSTRAINT pk_orleans_membership_version DO NOTHING
    RETURNING 1
)
SELECT count(*)::integer FROM inserted;
');

-- Adds a silo if the table is still at @Version and the silo is not there yet; answers 1 or 0.
-- The version row is locked by the UPDATE, so of two silos holding the same version only one succeeds.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipKey', '
WITH bumped AS (
    UPDATE orleans_membership_version
    SET version = version + 1, updated_at = now()
    WHERE deployment_id = @DeploymentId
      AND version = @Version
      AND NOT EXISTS (
          SELECT 1 FROM orleans_membership
          WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING deployment_id
), inserted AS (
    INSERT INTO orleans_membership
        (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port, suspect_times, start_time, i_am_alive_time)
    SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, NULL, @StartTime, @IAmAliveTime
    FROM bumped
    RETURNING 1
)
SELECT count(*)::integer FROM inserted;
');

-- Changes the status and suspicions of a silo if the table is still at @Version; answers 1 or 0.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateMembershipKey', '
WITH bumped AS (
    UPDATE orleans_membership_version
    SET version = version + 1, updated_at = now()
    WHERE deployment_id = @DeploymentId
      AND version = @Version
      AND EXISTS (
          SELECT 1 FROM orleans_membership
          WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING deployment_id
), updated AS (
    UPDATE orleans_membership AS m
    SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
    FROM bumped
    WHERE m.deployment_id = bumped.deployment_id
      AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING 1
)
SELECT count(*)::integer FROM updated;
');

-- A heartbeat: no version change, nothing to answer.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateIAmAlivetimeKey', '
UPDATE orleans_membership
SET i_am_alive_time = @IAmAliveTime
WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;
');

-- One silo and the table version; the version row alone (silo columns NULL) when the silo is unknown.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadRowKey', '
SELECT v.deployment_id AS DeploymentId,
       m.address AS Address, m.port AS Port, m.generation AS Generation,
       m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
       m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime,
       v.version AS Version
FROM orleans_membership_version AS v
LEFT JOIN orleans_membership AS m
       ON m.deployment_id = v.deployment_id
      AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId;
');

-- Every silo and the table version; the version row alone when the cluster has no silo.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadAllKey', '
SELECT v.deployment_id AS DeploymentId,
       m.address AS Address, m.port AS Port, m.generation AS Generation,
       m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
       m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime,
       v.version AS Version
FROM orleans_membership_version AS v
LEFT JOIN orleans_membership AS m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId;
');

-- The gateways a client may connect to: active silos with a gateway port.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('GatewaysQueryKey', '
SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation
FROM orleans_membership
WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0;
');

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteMembershipTableEntriesKey', '
DELETE FROM orleans_membership WHERE deployment_id = @DeploymentId;
DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId;
');

-- Forgets silos that died and have not sent a heartbeat since @IAmAliveTime.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntriesKey', '
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status = 6;
');
