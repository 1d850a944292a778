using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Reporting;

namespace WorkSessions.Storage;

/// <summary>Which events to read; every field but the tenant narrows the selection.</summary>
internal sealed record EventFilter(string TenantId, int Limit)
{
    public string? AgentId { get; init; }

    public string? Kind { get; init; }

    /// <summary>Events at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Events before this time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Events with a greater position, in ascending position order.</summary>
    public long? AfterPosition { get; init; }

    /// <summary>When set, newest first: events with a smaller position.</summary>
    public long? BeforePosition { get; init; }

    public bool Descending { get; init; }

    /// <summary>Only events of these sessions.</summary>
    public IReadOnlyList<Guid>? SessionIds { get; init; }
}

/// <summary>
/// Every SQL statement of the report tables (docs/architecture.md#reporting), for SQLite and PostgreSQL. Inserts are
/// idempotent on the event id, so an outbox entry delivered twice is stored once. Positions of one tenant become
/// visible in the order they are assigned: SQLite has one writer at a time, and on PostgreSQL every batch first takes
/// a transaction-scoped advisory lock per tenant it writes, so two batches of one tenant never commit out of order.
/// </summary>
internal sealed class ReportStore(WorkSessionsDatabase database)
{
    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private const string EventColumns =
        "position, event_id, agent_id, session_id, at_ticks, kind, from_status, to_status, reason, actor_role, actor_id, note, details";

    private const string SessionColumns =
        "session_id, agent_id, started_at_ticks, ended_at_ticks, end_reason, ended_by, prompt_count, continue_count, "
        + "ready_seconds, not_ready_seconds, occupied_seconds, note";

    private bool IsPostgres => database.Provider == StorageProvider.Postgres;

    /// <summary>Stores a batch in one transaction; entries already stored (same event id) are skipped.</summary>
    public Task InsertAsync(IReadOnlyList<ReportEntry> entries, CancellationToken cancellationToken)
    {
        // On SQLite the grains' writes hold the file's write lock batch after batch on the writer's thread: a batch of
        // ours joins them there as one more savepoint instead of sleeping in SQLite's busy handler between them.
        if (database.Writer is { } writer)
        {
            return writer.RunAsync(connection => InsertRowsAsync(connection, transaction: null, entries, cancellationToken), cancellationToken);
        }

        return InsertInTransactionAsync(entries, cancellationToken);
    }

    private Task InsertInTransactionAsync(IReadOnlyList<ReportEntry> entries, CancellationToken cancellationToken) => RunAsync(async () =>
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (IsPostgres)
        {
            // A silo that froze holding a tenant's lock must not stall every other silo's deliveries for that tenant
            // until TCP notices: wait for the lock a few seconds at most (the batch is retried), and let the server end
            // a transaction of ours that sits idle.
            await using (var limits = Command(connection, transaction, "SET LOCAL lock_timeout = '5s'; SET LOCAL idle_in_transaction_session_timeout = '30s'"))
            {
                await limits.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var tenantId in entries.Select(entry => entry.TenantId).Distinct().Order(StringComparer.Ordinal))
            {
                // Ordered, so two batches over the same tenants cannot deadlock.
                await using var lockCommand = Command(connection, transaction, "SELECT pg_advisory_xact_lock(hashtextextended(@tenant, 7))");
                Add(lockCommand, "tenant", tenantId);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await InsertRowsAsync(connection, transaction, entries, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    });

    private async Task InsertRowsAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<ReportEntry> entries, CancellationToken cancellationToken)
    {
        // A batch may hold an entry twice (two activations handing over the same outbox): once is enough.
        var unique = entries.DistinctBy(entry => entry.EventId).ToList();
        foreach (var chunk in unique.Chunk(RowsPerStatement))
        {
            await InsertEventsAsync(connection, transaction, chunk, cancellationToken);
        }

        var started = unique.Where(entry => entry.Kind == FeedEventKinds.SessionStarted && entry.SessionId is not null && entry.AgentId is not null)
            .DistinctBy(entry => entry.SessionId).ToList();
        foreach (var chunk in started.Chunk(RowsPerStatement))
        {
            await InsertStartedSessionsAsync(connection, transaction, chunk, cancellationToken);
        }

        var ended = unique.Where(entry => entry.Session is not null).Select(entry => (entry.TenantId, Record: entry.Session!))
            .DistinctBy(end => end.Record.SessionId).ToList();
        foreach (var chunk in ended.Chunk(RowsPerStatement))
        {
            await UpsertEndedSessionsAsync(connection, transaction, chunk, cancellationToken);
        }
    }

    /// <summary>
    /// Rows per multi-row statement. PostgreSQL: one round trip per 200 rows. SQLite runs in process, so round trips cost
    /// nothing, while binding parameters by name costs time in the square of their number (measured: 200 rows of 13
    /// parameters held a batch of 500 at ~1,200 events/s): a few rows a statement.
    /// </summary>
    private int RowsPerStatement => IsPostgres ? 200 : 16;

    private static async Task InsertEventsAsync(DbConnection connection, DbTransaction? transaction, ReportEntry[] entries, CancellationToken cancellationToken)
    {
        // Rows are inserted in VALUES order, so positions follow the outbox order within the batch.
        await using var command = Command(connection, transaction, "");
        var sql = new StringBuilder(
            "INSERT INTO ws_events (event_id, tenant_id, agent_id, session_id, at_ticks, kind, from_status, to_status, reason, "
            + "actor_role, actor_id, note, details) VALUES ");
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            Row(sql.Append(i == 0 ? "" : ", "), command, i,
                entry.EventId.ToString("D"), entry.TenantId, entry.AgentId, entry.SessionId?.ToString("D"), entry.At.UtcTicks, entry.Kind,
                Name(entry.From), Name(entry.To), entry.Reason, Name(entry.Actor?.Role), entry.Actor?.UserId, entry.Note, Details(entry));
        }

        command.CommandText = sql.Append(" ON CONFLICT (event_id) DO NOTHING").ToString();
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task InsertStartedSessionsAsync(DbConnection connection, DbTransaction? transaction, ReportEntry[] entries, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, "");
        var sql = new StringBuilder("INSERT INTO ws_sessions (session_id, tenant_id, agent_id, started_at_ticks) VALUES ");
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            Row(sql.Append(i == 0 ? "" : ", "), command, i, entry.SessionId!.Value.ToString("D"), entry.TenantId, entry.AgentId, entry.At.UtcTicks);
        }

        // An end delivered before its start (or a start delivered again) leaves the row as it is.
        command.CommandText = sql.Append(" ON CONFLICT (session_id) DO NOTHING").ToString();
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task UpsertEndedSessionsAsync(
        DbConnection connection, DbTransaction? transaction, (string TenantId, SessionRecord Record)[] ends, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, "");
        var sql = new StringBuilder(
            "INSERT INTO ws_sessions (session_id, tenant_id, agent_id, started_at_ticks, ended_at_ticks, end_reason, ended_by, prompt_count, "
            + "continue_count, ready_seconds, not_ready_seconds, occupied_seconds, note) VALUES ");
        for (var i = 0; i < ends.Length; i++)
        {
            var (tenantId, record) = ends[i];
            Row(sql.Append(i == 0 ? "" : ", "), command, i,
                record.SessionId.ToString("D"), tenantId, record.AgentId, record.StartedAt.UtcTicks, record.EndedAt.UtcTicks,
                Name<EndReason>(record.EndReason), record.EndedBy, record.PromptCount, record.ContinueCount, record.ReadySeconds,
                record.NotReadySeconds, record.OccupiedSeconds, record.Note);
        }

        command.CommandText = sql.Append(
            " ON CONFLICT (session_id) DO UPDATE SET ended_at_ticks = excluded.ended_at_ticks, end_reason = excluded.end_reason, "
            + "ended_by = excluded.ended_by, prompt_count = excluded.prompt_count, continue_count = excluded.continue_count, "
            + "ready_seconds = excluded.ready_seconds, not_ready_seconds = excluded.not_ready_seconds, "
            + "occupied_seconds = excluded.occupied_seconds, note = excluded.note").ToString();
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Adds one row's parameters (<c>@r{row}_{column}</c>) and appends its <c>(…)</c> to a VALUES list.</summary>
    private static void Row(StringBuilder sql, DbCommand command, int row, params object?[] values)
    {
        sql.Append('(');
        for (var column = 0; column < values.Length; column++)
        {
            var name = RowParameterName(row, column);
            sql.Append(column == 0 ? "" : ", ").Append(name);
            Add(command, name, values[column]);
        }

        sql.Append(')');
    }

    // A batch binds thousands of these names: made once, not per row of every batch. 200 rows (the most a PostgreSQL
    // statement holds) of 13 columns (the widest row); anything beyond is named on the spot.
    private static readonly string[][] RowParameterNames = [.. Enumerable.Range(0, 200)
        .Select(row => Enumerable.Range(0, 13).Select(column => string.Create(CultureInfo.InvariantCulture, $"@r{row}_{column}")).ToArray())];

    private static string RowParameterName(int row, int column) =>
        row < RowParameterNames.Length && column < RowParameterNames[row].Length
            ? RowParameterNames[row][column]
            : string.Create(CultureInfo.InvariantCulture, $"@r{row}_{column}");

    /// <summary>Sessions that started in <c>[from, to)</c>, ordered by start and id, after a (start, id) cursor.</summary>
    public Task<List<SessionReportItem>> ReadSessionsStartedAsync(
        string tenantId, ReportRange range, string? agentId, EndReason? endReason, (long StartedTicks, Guid SessionId)? after, int limit,
        CancellationToken cancellationToken) => RunAsync(async () =>
    {
        var sql = new StringBuilder($"SELECT {SessionColumns} FROM ws_sessions WHERE tenant_id = @tenant AND started_at_ticks >= @from AND started_at_ticks < @to");
        if (agentId is not null)
        {
            sql.Append(" AND agent_id = @agent");
        }

        if (endReason is not null)
        {
            sql.Append(" AND end_reason = @end_reason");
        }

        if (after is not null)
        {
            sql.Append(" AND (started_at_ticks > @after_ticks OR (started_at_ticks = @after_ticks AND session_id > @after_id))");
        }

        sql.Append(" ORDER BY started_at_ticks, session_id LIMIT @limit");
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, sql.ToString());
        Add(command, "tenant", tenantId);
        Add(command, "from", range.From.UtcTicks);
        Add(command, "to", range.To.UtcTicks);
        if (agentId is not null)
        {
            Add(command, "agent", agentId);
        }

        if (endReason is { } reason)
        {
            Add(command, "end_reason", Name<EndReason>(reason));
        }

        if (after is { } cursor)
        {
            Add(command, "after_ticks", cursor.StartedTicks);
            Add(command, "after_id", cursor.SessionId.ToString("D"));
        }

        Add(command, "limit", limit);
        return await ReadSessionsAsync(command, cancellationToken);
    });

    /// <summary>One agent's sessions with time in <c>[from, to)</c>, in start order.</summary>
    public Task<List<SessionReportItem>> ReadSessionsOverlappingAsync(string tenantId, string agentId, ReportRange range, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = Command(connection, null,
                $"SELECT {SessionColumns} FROM ws_sessions WHERE tenant_id = @tenant AND agent_id = @agent AND started_at_ticks < @to "
                + "AND (ended_at_ticks IS NULL OR ended_at_ticks > @from) ORDER BY started_at_ticks, session_id");
            Add(command, "tenant", tenantId);
            Add(command, "agent", agentId);
            Add(command, "from", range.From.UtcTicks);
            Add(command, "to", range.To.UtcTicks);
            return await ReadSessionsAsync(command, cancellationToken);
        });

    /// <summary>Agents with a session that has time in <c>[from, to)</c>, in id order, after a cursor agent.</summary>
    public Task<List<string>> ReadAgentsWithSessionsAsync(string tenantId, ReportRange range, string? afterAgentId, int limit, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = Command(connection, null,
                "SELECT DISTINCT agent_id FROM ws_sessions WHERE tenant_id = @tenant AND started_at_ticks < @to "
                + "AND (ended_at_ticks IS NULL OR ended_at_ticks > @from)"
                + (afterAgentId is null ? "" : " AND agent_id > @after")
                + " ORDER BY agent_id LIMIT @limit");
            Add(command, "tenant", tenantId);
            Add(command, "from", range.From.UtcTicks);
            Add(command, "to", range.To.UtcTicks);
            if (afterAgentId is not null)
            {
                Add(command, "after", afterAgentId);
            }

            Add(command, "limit", limit);
            var agents = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                agents.Add(reader.GetString(0));
            }

            return agents;
        });

    /// <summary>
    /// The tenant's sessions that have no end yet, oldest first: the roster as the report tables know it (an agent with
    /// two, whose first end was never delivered, is listed twice; the later one counts).
    /// </summary>
    public Task<List<(string AgentId, Guid SessionId)>> ReadOpenSessionsAsync(string tenantId, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = Command(connection, null,
                "SELECT agent_id, session_id FROM ws_sessions WHERE tenant_id = @tenant AND ended_at_ticks IS NULL ORDER BY started_at_ticks");
            Add(command, "tenant", tenantId);
            var open = new List<(string, Guid)>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                open.Add((reader.GetString(0), Guid.Parse(reader.GetString(1))));
            }

            return open;
        });

    /// <summary>Start and end (null while open) of every session of the tenant with time in <c>[from, to)</c>.</summary>
    public Task<List<(DateTimeOffset Start, DateTimeOffset? End)>> ReadSessionSpansAsync(string tenantId, ReportRange range, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = Command(connection, null,
                "SELECT started_at_ticks, ended_at_ticks FROM ws_sessions WHERE tenant_id = @tenant AND started_at_ticks < @to "
                + "AND (ended_at_ticks IS NULL OR ended_at_ticks > @from)");
            Add(command, "tenant", tenantId);
            Add(command, "from", range.From.UtcTicks);
            Add(command, "to", range.To.UtcTicks);
            var spans = new List<(DateTimeOffset, DateTimeOffset?)>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                spans.Add((Time(reader.GetInt64(0)), reader.IsDBNull(1) ? null : Time(reader.GetInt64(1))));
            }

            return spans;
        });

    /// <summary>Events as the filter selects them.</summary>
    public Task<List<FeedEvent>> ReadEventsAsync(EventFilter filter, CancellationToken cancellationToken) => RunAsync(async () =>
    {
        var sql = new StringBuilder($"SELECT {EventColumns} FROM ws_events WHERE tenant_id = @tenant");
        if (filter.AgentId is not null)
        {
            sql.Append(" AND agent_id = @agent");
        }

        if (filter.Kind is not null)
        {
            sql.Append(" AND kind = @kind");
        }

        if (filter.From is not null)
        {
            sql.Append(" AND at_ticks >= @from");
        }

        if (filter.To is not null)
        {
            sql.Append(" AND at_ticks < @to");
        }

        if (filter.AfterPosition is not null)
        {
            sql.Append(" AND position > @after");
        }

        if (filter.SessionIds is { } sessionIds)
        {
            sql.Append(" AND session_id IN (").AppendJoin(", ", sessionIds.Select((_, i) => $"@session{i}")).Append(sessionIds.Count == 0 ? "NULL)" : ")");
        }

        if (filter.BeforePosition is not null)
        {
            sql.Append(" AND position < @before");
        }

        sql.Append(filter.Descending ? " ORDER BY position DESC" : " ORDER BY position").Append(" LIMIT @limit");
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, sql.ToString());
        Add(command, "tenant", filter.TenantId);
        if (filter.AgentId is not null)
        {
            Add(command, "agent", filter.AgentId);
        }

        if (filter.Kind is not null)
        {
            Add(command, "kind", filter.Kind);
        }

        if (filter.From is { } from)
        {
            Add(command, "from", from.UtcTicks);
        }

        if (filter.To is { } to)
        {
            Add(command, "to", to.UtcTicks);
        }

        if (filter.AfterPosition is { } after)
        {
            Add(command, "after", after);
        }

        for (var i = 0; i < (filter.SessionIds?.Count ?? 0); i++)
        {
            Add(command, $"session{i}", filter.SessionIds![i].ToString("D"));
        }

        if (filter.BeforePosition is { } before)
        {
            Add(command, "before", before);
        }

        Add(command, "limit", filter.Limit);
        var events = new List<FeedEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(ReadEvent(reader));
        }

        return events;
    });

    /// <summary>The tenant's latest position, 0 when it has no events.</summary>
    public Task<long> ReadLatestPositionAsync(string tenantId, CancellationToken cancellationToken) => RunAsync(async () =>
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT MAX(position) FROM ws_events WHERE tenant_id = @tenant");
        Add(command, "tenant", tenantId);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is null or DBNull ? 0L : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    });

    /// <summary>
    /// Deletes events before <paramref name="cutoff"/> and sessions that ended before it; returns the rows deleted. It
    /// deletes a chunk of rows at a time, each chunk its own transaction (on SQLite one more unit of work on the writer's
    /// thread, committed with the grains' writes around it): a purge of millions of rows holds the write lock no longer
    /// than one chunk takes, so the grains' writes go between its chunks instead of waiting for all of it, past SQLite's
    /// busy timeout (docs/architecture.md#retention).
    /// </summary>
    public async Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var statement in PurgeStatements)
        {
            int chunk;
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                chunk = await PurgeChunkAsync(statement, cutoff, cancellationToken);
                deleted += chunk;
            }
            while (chunk >= PurgeChunkRows);
        }

        return deleted;
    }

    /// <summary>One chunk each; the subquery walks the time index, and both dialects take the same text.</summary>
    private static readonly string[] PurgeStatements =
    [
        "DELETE FROM ws_events WHERE position IN (SELECT position FROM ws_events WHERE at_ticks < @cutoff LIMIT @limit)",
        "DELETE FROM ws_sessions WHERE session_id IN (SELECT session_id FROM ws_sessions WHERE ended_at_ticks < @cutoff LIMIT @limit)",
    ];

    /// <summary>
    /// Rows per purge transaction. SQLite: tens of milliseconds of the writer's thread, about what a batch of grain writes
    /// takes (measured during a storm of state writes: 330,000 rows in 54 s beside 21,958 writes, none failed, the longest
    /// 0.9 s; in one transaction 15 s, and 448 writes failed on the busy timeout). PostgreSQL: row locks and WAL of one
    /// chunk at a time, a round trip per 10,000 rows.
    /// </summary>
    internal int PurgeChunkRows => IsPostgres ? 10_000 : 1_000;

    private async Task<int> PurgeChunkAsync(string sql, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        if (database.Writer is { } writer)
        {
            var deleted = 0;
            await writer.RunAsync(
                async connection => deleted = await ExecutePurgeChunkAsync(connection, sql, cutoff, PurgeChunkRows, cancellationToken),
                cancellationToken);
            return deleted;
        }

        return await RunAsync(async () =>
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            return await ExecutePurgeChunkAsync(connection, sql, cutoff, PurgeChunkRows, cancellationToken);
        });
    }

    private static async Task<int> ExecutePurgeChunkAsync(DbConnection connection, string sql, DateTimeOffset cutoff, int limit, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, null, sql);
        Add(command, "cutoff", cutoff.UtcTicks);
        Add(command, "limit", limit);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Microsoft.Data.Sqlite completes its "async" methods synchronously; run them on the thread pool so that neither a
    /// grain's turn nor the delivery loop's caller waits on SQLite's file lock.
    /// </summary>
    private Task<T> RunAsync<T>(Func<Task<T>> work) => IsPostgres ? work() : Task.Run(work);

    private Task RunAsync(Func<Task> work) => IsPostgres ? work() : Task.Run(work);

    private static async Task<List<SessionReportItem>> ReadSessionsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var sessions = new List<SessionReportItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sessions.Add(new SessionReportItem(
                Guid.Parse(reader.GetString(0)),
                reader.GetString(1),
                Time(reader.GetInt64(2)),
                reader.IsDBNull(3) ? null : Time(reader.GetInt64(3)),
                reader.IsDBNull(4) ? null : Parse<EndReason>(reader.GetString(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetInt32(6),
                reader.GetInt32(7),
                reader.GetDouble(8),
                reader.GetDouble(9),
                reader.GetDouble(10),
                reader.IsDBNull(11) ? null : reader.GetString(11)));
        }

        return sessions;
    }

    private static FeedEvent ReadEvent(DbDataReader reader)
    {
        var details = reader.IsDBNull(12) ? null : JsonSerializer.Deserialize<EventDetails>(reader.GetString(12), DetailsJson);
        var role = reader.IsDBNull(9) ? (ActorRole?)null : Parse<ActorRole>(reader.GetString(9));
        return new FeedEvent(
            reader.GetInt64(0),
            Guid.Parse(reader.GetString(1)),
            Time(reader.GetInt64(4)),
            reader.GetString(5),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : Guid.Parse(reader.GetString(3)),
            reader.IsDBNull(6) ? null : Parse<AgentStatus>(reader.GetString(6)),
            reader.IsDBNull(7) ? null : Parse<AgentStatus>(reader.GetString(7)),
            reader.IsDBNull(8) ? null : reader.GetString(8),
            role is { } actorRole ? new Actor(actorRole, reader.IsDBNull(10) ? null : reader.GetString(10)) : null,
            reader.IsDBNull(11) ? null : reader.GetString(11),
            details?.Deadline,
            details?.Cause,
            details?.Session,
            details?.Preferences);
    }

    private static string? Details(ReportEntry entry) =>
        entry.Deadline is null && entry.Cause is null && entry.Session is null && entry.Preferences is null
            ? null
            : JsonSerializer.Serialize(new EventDetails(entry.Deadline, entry.Cause, entry.Session, entry.Preferences), DetailsJson);

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = ParameterName(command, name);
        parameter.Value = value is string text ? Storable(text) : value ?? DBNull.Value;
        if (value is null)
        {
            // Npgsql cannot infer a type from DBNull; every nullable column of these tables is text.
            parameter.DbType = DbType.String;
        }

        command.Parameters.Add(parameter);
    }

    /// <summary>
    /// A parameter's name as its provider binds it fastest: Microsoft.Data.Sqlite looks a name up in the statement as
    /// it is, and tries <c>@</c>, <c>$</c> and <c>:</c> in turn (three names built and converted on every execution)
    /// for one given without its prefix; every statement here writes <c>@name</c>. Npgsql takes the name without it.
    /// </summary>
    private static string ParameterName(DbCommand command, string name) => command is Microsoft.Data.Sqlite.SqliteCommand
        ? name.StartsWith('@') ? name : "@" + name
        : name.StartsWith('@') ? name[1..] : name;

    /// <summary>
    /// Text as both databases take it. PostgreSQL refuses NUL in text and Npgsql refuses half a surrogate pair; one such
    /// value from a backend service would fail its whole batch on every retry and hold up every record behind it, so
    /// they become U+FFFD. The Gateway already refuses them in what people send.
    /// </summary>
    internal static string Storable(string text)
    {
        var clean = true;
        for (var i = 0; i < text.Length && clean; i++)
        {
            clean = text[i] != '\0' && (!char.IsSurrogate(text[i]) || (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[++i])));
        }

        if (clean)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(c == '\0' || char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }

    /// <summary>Enum values are stored by their API names (<c>notReady</c>, <c>inactivityTimeout</c>), readable in the database.</summary>
    internal static string? Name<TEnum>(TEnum? value) where TEnum : struct, Enum =>
        value is { } some ? JsonNamingPolicy.CamelCase.ConvertName(some.ToString()) : null;

    private static TEnum Parse<TEnum>(string value) where TEnum : struct, Enum => Enum.Parse<TEnum>(value, ignoreCase: true);

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    private sealed record EventDetails(DateTimeOffset? Deadline, WarningClearedCause? Cause, SessionRecord? Session, TenantPreferences? Preferences);
}
