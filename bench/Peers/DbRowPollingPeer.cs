// Peer (a): one database row per agent, written on every heartbeat, and a polling sweep for deadlines.
// API (see PeerResults.cs): CreateSqliteAsync() / CreatePostgresAsync(connectionString), RunHeartbeatsAsync,
// RunStormAsync(agents, window, sweepPeriod, inactivity, grace). Each instance owns one uniquely named table and drops
// it on dispose (a SQLite peer also deletes its temp file).
//
// As a competent team builds it: the row keeps the next deadline beside last_activity, so the sweep reads an index
// on (state, deadline) instead of scanning; a heartbeat moves last_activity and deadline in one UPDATE (one write, its
// own transaction); the sweep works in batches of BatchSize rows per statement (UPDATE … WHERE agent_id IN (SELECT …
// ORDER BY deadline LIMIT n) RETURNING …), each its own short transaction so heartbeats are never held behind a
// 50,000-row write, and the application learns the warned agents from RETURNING when the batch commits.
// Times are Unix microseconds (BIGINT) from the bench clock, so SQLite and PostgreSQL run the same SQL.
using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace WorkSessions.Bench.Peers;

/// <summary>The DB-row polling peer on SQLite (WAL, synchronous=NORMAL, like the product) or PostgreSQL (Npgsql).</summary>
public sealed class DbRowPollingPeer : IAsyncDisposable
{
    /// <summary>Rows warned or ended per sweep statement.</summary>
    public const int BatchSize = 5_000;

    // 2100-01-01 in Unix microseconds: a deadline no sweep reaches.
    private const long FarFuture = 4_102_444_800_000_000;

    private readonly DbDataSource _source;
    private readonly bool _postgres;
    private readonly string _table;
    private readonly string? _sqliteFile;

    private DbRowPollingPeer(DbDataSource source, bool postgres, string? sqliteFile)
    {
        _source = source;
        _postgres = postgres;
        _sqliteFile = sqliteFile;
        _table = "peer_agent_sessions_" + Guid.NewGuid().ToString("N")[..8];
    }

    /// <summary>"DB-row polling (SQLite)" or "DB-row polling (PostgreSQL)".</summary>
    public string Name => _postgres ? "DB-row polling (PostgreSQL)" : "DB-row polling (SQLite)";

    /// <summary>A peer on a new SQLite file in a temp folder, set up as the product sets up its own (WAL, synchronous=NORMAL, busy_timeout).</summary>
    public static async Task<DbRowPollingPeer> CreateSqliteAsync()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("work-sessions-peer-").FullName, "peer.db");
        var peer = new DbRowPollingPeer(new SqliteSetUpDataSource($"Data Source={file}"), postgres: false, file);
        await peer.ExecuteAsync("PRAGMA journal_mode = WAL;");
        await peer.CreateSchemaAsync();
        return peer;
    }

    /// <summary>A peer on a PostgreSQL database (a table of its own, dropped on dispose).</summary>
    public static async Task<DbRowPollingPeer> CreatePostgresAsync(string connectionString)
    {
        var peer = new DbRowPollingPeer(NpgsqlDataSource.Create(connectionString), postgres: true, sqliteFile: null);
        await peer.CreateSchemaAsync();
        return peer;
    }

    /// <summary>
    /// Seeds <paramref name="agents"/> active sessions, then <paramref name="callers"/> concurrent callers send heartbeats to
    /// random agents for <paramref name="duration"/>; each heartbeat is one UPDATE of the agent's row in its own transaction.
    /// </summary>
    public async Task<HeartbeatResult> RunHeartbeatsAsync(int agents, int callers, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        await SeedAsync(agents, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(3));
        var sql = $"UPDATE {_table} SET last_activity = @now, deadline = @now + inactivity_us WHERE agent_id = @agent AND state = 'active'";

        // A running service has a warm pool: open the callers' connections (one heartbeat each) before the clock starts.
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            await using var connection = await _source.OpenConnectionAsync(cancellationToken);
            await using var command = Command(connection, sql, ("@now", BenchClock.NowMicroseconds()), ("@agent", AgentId(caller % agents)));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }));

        long heartbeats = 0, rowsWritten = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller);
            while (watch.Elapsed < duration && !cancellationToken.IsCancellationRequested)
            {
                await using var connection = await _source.OpenConnectionAsync(cancellationToken);
                await using var command = Command(connection, sql, ("@now", BenchClock.NowMicroseconds()), ("@agent", AgentId(random.Next(agents))));
                var rows = await command.ExecuteNonQueryAsync(cancellationToken);
                Interlocked.Add(ref rowsWritten, rows);
                Interlocked.Increment(ref heartbeats);
            }
        }, cancellationToken)));
        var elapsed = watch.Elapsed;
        return new HeartbeatResult(Name, agents, callers, elapsed, heartbeats, rowsWritten);
    }

    /// <summary>
    /// A deadline storm: <paramref name="agents"/> active sessions whose inactivity deadlines fall evenly within
    /// <paramref name="window"/> (inactivity default 2 s, grace default <see cref="Peers.StormGrace"/>), and one sweeper polling
    /// every <paramref name="sweepPeriod"/> (default 1 s) that warns
    /// the due active rows and ends the due warned rows, <see cref="BatchSize"/> rows a statement.
    /// </summary>
    public async Task<StormResult> RunStormAsync(
        int agents, TimeSpan window, TimeSpan? sweepPeriod = null, TimeSpan? inactivity = null, TimeSpan? grace = null, CancellationToken cancellationToken = default)
    {
        var period = sweepPeriod ?? TimeSpan.FromSeconds(1);
        var inactivityTimeout = inactivity ?? TimeSpan.FromSeconds(2);
        var gracePeriod = grace ?? Peers.StormGrace;
        var seedWatch = Stopwatch.StartNew();
        await SeedAsync(agents, inactivityTimeout, gracePeriod);

        // Every row's deadline is set relative to a first deadline far enough ahead that this UPDATE has finished by then.
        // (The UPDATE writes every row once, as seeding did: twice the seeding time is a safe lead on a loaded machine.)
        var firstDeadline = BenchClock.NowMicroseconds() + (long)(TimeSpan.FromSeconds(1) + 2 * seedWatch.Elapsed).TotalMicroseconds;
        var windowMicroseconds = (long)window.TotalMicroseconds;
        await ExecuteAsync(
            $"UPDATE {_table} SET " +
            $"deadline = @first + CAST(substr(agent_id, 7) AS BIGINT) * @window / @agents, " +
            $"last_activity = @first + CAST(substr(agent_id, 7) AS BIGINT) * @window / @agents - inactivity_us",
            ("@first", firstDeadline), ("@window", windowMicroseconds), ("@agents", (long)agents));
        var note = BenchClock.NowMicroseconds() > firstDeadline ? "set-up overran the first deadline" : "";

        var warningLateness = new ConcurrentBag<double>();
        var endLateness = new ConcurrentBag<double>();
        var warned = 0;
        var ended = 0;
        var longestSweep = TimeSpan.Zero;
        var giveUpAt = firstDeadline + (long)(window + gracePeriod + 4 * period + TimeSpan.FromMinutes(2)).TotalMicroseconds;

        // The sweeper's first pass is at a random phase against the deadlines, as in production.
        var nextSweep = BenchClock.NowMicroseconds() + Random.Shared.NextInt64((long)period.TotalMicroseconds);
        while (ended < agents && BenchClock.NowMicroseconds() < giveUpAt && !cancellationToken.IsCancellationRequested)
        {
            await BenchClock.DelayUntilAsync(nextSweep, cancellationToken);
            var sweep = Stopwatch.StartNew();
            warned += await SweepAsync(
                $"UPDATE {_table} SET state = 'warned', warned_at = @now, deadline = @now + grace_us " +
                $"WHERE agent_id IN (SELECT agent_id FROM {_table} WHERE state = 'active' AND deadline <= @now ORDER BY deadline LIMIT {BatchSize}) " +
                $"RETURNING last_activity + inactivity_us",
                warningLateness);
            ended += await SweepAsync(
                $"UPDATE {_table} SET state = 'ended', ended_at = @now " +
                $"WHERE agent_id IN (SELECT agent_id FROM {_table} WHERE state = 'warned' AND deadline <= @now ORDER BY deadline LIMIT {BatchSize}) " +
                $"RETURNING deadline",
                endLateness);
            longestSweep = sweep.Elapsed > longestSweep ? sweep.Elapsed : longestSweep;
            nextSweep += (long)period.TotalMicroseconds;
        }

        return new StormResult(
            $"{Name}, sweep every {period.TotalSeconds:0.#} s", agents, window, gracePeriod,
            Lateness.From(warningLateness), Lateness.From(endLateness), warned, ended, longestSweep, note);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await ExecuteAsync($"DROP TABLE IF EXISTS {_table}");
        }
        finally
        {
            await _source.DisposeAsync();
            if (_sqliteFile is not null)
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(Path.GetDirectoryName(_sqliteFile)!, recursive: true);
            }
        }
    }

    // One sweep statement repeated until a batch comes back short; each row's lateness is measured when its batch has
    // committed (the moment the application may push the prompt or close the session).
    private async Task<int> SweepAsync(string sql, ConcurrentBag<double> lateness)
    {
        var total = 0;
        while (true)
        {
            var deadlines = new List<long>(BatchSize);
            await using (var connection = await _source.OpenConnectionAsync())
            await using (var command = Command(connection, sql, ("@now", BenchClock.NowMicroseconds())))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    deadlines.Add(reader.GetInt64(0));
                }
            }

            var committedAt = BenchClock.NowMicroseconds();
            foreach (var deadline in deadlines)
            {
                lateness.Add((committedAt - deadline) / 1000.0);
            }

            total += deadlines.Count;
            if (deadlines.Count < BatchSize)
            {
                return total;
            }
        }
    }

    private async Task CreateSchemaAsync()
    {
        // last_activity is the product's meaning (the agent's latest activity); deadline is the next one due: the
        // inactivity deadline while active, the grace deadline while warned. Indexed for the sweep.
        await ExecuteAsync(
            $"CREATE TABLE {_table} (agent_id TEXT PRIMARY KEY, state TEXT NOT NULL, last_activity BIGINT NOT NULL, " +
            $"deadline BIGINT NOT NULL, warned_at BIGINT NULL, ended_at BIGINT NULL, inactivity_us BIGINT NOT NULL, grace_us BIGINT NOT NULL)");
        await ExecuteAsync($"CREATE INDEX {_table}_due ON {_table} (state, deadline)");
    }

    // Active rows whose deadline is far away (invisible to the sweep) until the run sets it. Seeded as 'active' and
    // analysed so the planner's statistics match the run: with rows seeded 'idle' and activated later, PostgreSQL
    // believed no row was active and served each heartbeat's primary-key lookup from the (state, deadline) index,
    // ten times slower (a competent team's autovacuum would have analysed the table by then).
    private async Task SeedAsync(int agents, TimeSpan inactivity, TimeSpan grace)
    {
        await ExecuteAsync($"DELETE FROM {_table}");
        var inactivityMicroseconds = (long)inactivity.TotalMicroseconds;
        var graceMicroseconds = (long)grace.TotalMicroseconds;
        await using var connection = await _source.OpenConnectionAsync();
        if (_postgres)
        {
            await using var command = Command(
                connection,
                $"INSERT INTO {_table} (agent_id, state, last_activity, deadline, inactivity_us, grace_us) " +
                $"SELECT 'agent-' || n, 'active', 0, @far, @inactivity, @grace FROM generate_series(0, @agents - 1) AS n",
                ("@far", FarFuture), ("@inactivity", inactivityMicroseconds), ("@grace", graceMicroseconds), ("@agents", agents));
            await command.ExecuteNonQueryAsync();
        }
        else
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = Command(
                connection,
                $"INSERT INTO {_table} (agent_id, state, last_activity, deadline, inactivity_us, grace_us) VALUES (@agent, 'active', 0, @far, @inactivity, @grace)",
                ("@agent", ""), ("@far", FarFuture), ("@inactivity", inactivityMicroseconds), ("@grace", graceMicroseconds));
            command.Transaction = transaction;
            for (var i = 0; i < agents; i++)
            {
                command.Parameters["@agent"].Value = AgentId(i);
                await command.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }

        await ExecuteAsync(_postgres ? $"ANALYZE {_table}" : "ANALYZE");
    }

    private async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await _source.OpenConnectionAsync();
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync();
    }

    private static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static string AgentId(int i) => "agent-" + i.ToString(CultureInfo.InvariantCulture);

    // The product's SQLite settings (src/Storage/SqliteDataSource.cs, internal there): every pooled
    // connection gets busy_timeout and synchronous = NORMAL; the file is in WAL mode.
    private sealed class SqliteSetUpDataSource(string connectionString) : DbDataSource
    {
        private readonly string _setUpSql = string.Create(
            CultureInfo.InvariantCulture,
            $"PRAGMA busy_timeout = {(long)TimeSpan.FromSeconds(new SqliteConnectionStringBuilder(connectionString).DefaultTimeout).TotalMilliseconds}; PRAGMA synchronous = NORMAL;");

        public override string ConnectionString => connectionString;

        protected override DbConnection CreateDbConnection() => new SqliteConnection(connectionString);

        protected override DbConnection OpenDbConnection()
        {
            var connection = new SqliteConnection(connectionString);
            try
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = _setUpSql;
                command.ExecuteNonQuery();
                return connection;
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        protected override ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(OpenDbConnection());
        }
    }
}
