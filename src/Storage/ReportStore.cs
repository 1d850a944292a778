using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Reporting;

namespace WorkSessions.Storage;

/// <summary>
/// Reads and writes the report tables (docs/architecture.md#reporting) with the statements of <see cref="ReportQueries"/>,
/// one SQL file per statement and dialect: this class binds parameters and maps rows. Inserts are
/// idempotent on the event id, so an outbox entry delivered twice is stored once. Positions of one tenant become
/// visible in the order they are assigned: SQLite has one writer at a time, and on PostgreSQL every batch first takes
/// a transaction-scoped advisory lock per tenant it writes, so two batches of one tenant never commit out of order.
/// </summary>
internal sealed class ReportStore(WorkSessionsDatabase database) : IReportStore
{
    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly ReportQueries queries = ReportQueries.For(database.Provider);

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
        if (!queries.BatchBegin.IsEmpty)
        {
            await using var begin = queries.BatchBegin.Command(connection, transaction);
            await begin.ExecuteNonQueryAsync(cancellationToken);
        }

        if (!queries.BatchLockTenant.IsEmpty)
        {
            // Ordered, so two batches over the same tenants cannot deadlock.
            foreach (var tenantId in entries.Select(entry => entry.TenantId).Distinct().Order(StringComparer.Ordinal))
            {
                await using var lockTenant = queries.BatchLockTenant.Command(connection, transaction).Add("tenant", tenantId);
                await lockTenant.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await InsertRowsAsync(connection, transaction, entries, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    });

    private async Task InsertRowsAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<ReportEntry> entries, CancellationToken cancellationToken)
    {
        // A batch may hold an entry twice (two activations handing over the same outbox): once is enough.
        var unique = entries.DistinctBy(entry => entry.EventId).ToList();
        foreach (var chunk in unique.Chunk(queries.RowsPerStatement))
        {
            await InsertEventsAsync(connection, transaction, chunk, cancellationToken);
        }

        var started = unique.Where(entry => entry.Kind == FeedEventKinds.SessionStarted && entry.SessionId is not null && entry.AgentId is not null)
            .DistinctBy(entry => entry.SessionId).ToList();
        foreach (var chunk in started.Chunk(queries.RowsPerStatement))
        {
            await InsertStartedSessionsAsync(connection, transaction, chunk, cancellationToken);
        }

        var ended = unique.Where(entry => entry.Session is not null).Select(entry => (entry.TenantId, Record: entry.Session!))
            .DistinctBy(end => end.Record.SessionId).ToList();
        foreach (var chunk in ended.Chunk(queries.RowsPerStatement))
        {
            await UpsertEndedSessionsAsync(connection, transaction, chunk, cancellationToken);
        }
    }

    private async Task InsertEventsAsync(DbConnection connection, DbTransaction? transaction, ReportEntry[] entries, CancellationToken cancellationToken)
    {
        await using var command = queries.InsertEvents.Command(connection, transaction);
        foreach (var entry in entries)
        {
            command.AddRow(
                entry.EventId.ToString("D"), entry.TenantId, entry.AgentId, entry.SessionId?.ToString("D"), entry.At.UtcTicks, entry.Kind,
                Name(entry.From), Name(entry.To), entry.Reason, Name(entry.Actor?.Role), entry.Actor?.UserId, entry.Note, Details(entry),
                entry.TeamId, entry.PreviousTeamId);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task InsertStartedSessionsAsync(DbConnection connection, DbTransaction? transaction, ReportEntry[] entries, CancellationToken cancellationToken)
    {
        await using var command = queries.InsertStartedSessions.Command(connection, transaction);
        foreach (var entry in entries)
        {
            command.AddRow(entry.SessionId!.Value.ToString("D"), entry.TenantId, entry.AgentId, entry.At.UtcTicks, entry.TeamId);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task UpsertEndedSessionsAsync(
        DbConnection connection, DbTransaction? transaction, (string TenantId, SessionRecord Record)[] ends, CancellationToken cancellationToken)
    {
        await using var command = queries.UpsertEndedSessions.Command(connection, transaction);
        foreach (var (tenantId, record) in ends)
        {
            command.AddRow(
                record.SessionId.ToString("D"), tenantId, record.AgentId, record.StartedAt.UtcTicks, record.EndedAt.UtcTicks,
                Name<EndReason>(record.EndReason), record.EndedBy, record.PromptCount, record.ContinueCount, record.ReadySeconds,
                record.NotReadySeconds, record.OccupiedSeconds, record.Note, record.TeamId);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Sessions that started in <c>[from, to)</c> (in one of <paramref name="teamIds"/> when set), ordered by start and
    /// id, after a (start, id) cursor.
    /// </summary>
    public Task<List<SessionReportItem>> ReadSessionsStartedAsync(
        string tenantId, ReportRange range, string? agentId, EndReason? endReason, IReadOnlyCollection<string>? teamIds,
        (long StartedTicks, Guid SessionId)? after, int limit, CancellationToken cancellationToken) => RunAsync(async () =>
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = queries.SessionsStarted.Command(connection, null)
            .Add("tenant", tenantId)
            .Add("from", range.From.UtcTicks)
            .Add("to", range.To.UtcTicks)
            .AddIfSet("agent", agentId)
            .AddIfSet("end_reason", Name(endReason))
            .AddListIfSet("teams", teamIds)
            .Add("limit", limit);
        if (after is { } cursor)
        {
            command.Add("after_ticks", cursor.StartedTicks).Add("after_id", cursor.SessionId.ToString("D"));
        }

        return await ReadSessionsAsync(command, cancellationToken);
    });

    /// <summary>One agent's sessions with time in <c>[from, to)</c> (started in one of <paramref name="teamIds"/> when set), in start order.</summary>
    public Task<List<SessionReportItem>> ReadSessionsOverlappingAsync(
        string tenantId, string agentId, ReportRange range, IReadOnlyCollection<string>? teamIds, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = queries.SessionsOverlapping.Command(connection, null)
                .Add("tenant", tenantId)
                .Add("agent", agentId)
                .Add("from", range.From.UtcTicks)
                .Add("to", range.To.UtcTicks)
                .AddListIfSet("teams", teamIds);
            return await ReadSessionsAsync(command, cancellationToken);
        });

    /// <summary>
    /// Agents with a session that has time in <c>[from, to)</c> (started in one of <paramref name="teamIds"/> when set),
    /// in id order, after a cursor agent.
    /// </summary>
    public Task<List<string>> ReadAgentsWithSessionsAsync(
        string tenantId, ReportRange range, IReadOnlyCollection<string>? teamIds, string? afterAgentId, int limit, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = queries.AgentsWithSessions.Command(connection, null)
                .Add("tenant", tenantId)
                .Add("from", range.From.UtcTicks)
                .Add("to", range.To.UtcTicks)
                .AddListIfSet("teams", teamIds)
                .AddIfSet("after", afterAgentId)
                .Add("limit", limit);
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
            await using var command = queries.OpenSessions.Command(connection, null).Add("tenant", tenantId);
            var open = new List<(string, Guid)>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                open.Add((reader.GetString(0), Guid.Parse(reader.GetString(1))));
            }

            return open;
        });

    /// <summary>
    /// Start and end (null while open) of every session of the tenant with time in <c>[from, to)</c> (started in one of
    /// <paramref name="teamIds"/> when set).
    /// </summary>
    public Task<List<(DateTimeOffset Start, DateTimeOffset? End)>> ReadSessionSpansAsync(
        string tenantId, ReportRange range, IReadOnlyCollection<string>? teamIds, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = queries.SessionSpans.Command(connection, null)
                .Add("tenant", tenantId)
                .Add("from", range.From.UtcTicks)
                .Add("to", range.To.UtcTicks)
                .AddListIfSet("teams", teamIds);
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
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = queries.Events.Command(connection, null)
            .Add("tenant", filter.TenantId)
            .AddIfSet("agent", filter.AgentId)
            .AddIfSet("kind", filter.Kind)
            .AddIfSet("from", filter.From?.UtcTicks)
            .AddIfSet("to", filter.To?.UtcTicks)
            .AddIfSet("since", filter.Since?.UtcTicks)
            .AddIfSet("after", filter.AfterPosition)
            .AddIfSet("before", filter.BeforePosition)
            .Flag("descending", filter.Descending)
            .Add("limit", filter.Limit);
        if (filter.SessionIds is { } sessionIds)
        {
            command.AddList("sessions", sessionIds.Select(id => (object?)id.ToString("D")));
        }

        command.AddListIfSet("teams", filter.TeamIds);

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
        await using var command = queries.LatestPosition.Command(connection, null).Add("tenant", tenantId);
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
        foreach (var statement in new[] { queries.PurgeEvents, queries.PurgeSessions })
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

    /// <summary>Rows per purge transaction (see <see cref="ReportQueries.PurgeChunkRows"/>).</summary>
    internal int PurgeChunkRows => queries.PurgeChunkRows;

    private async Task<int> PurgeChunkAsync(ReportQuery statement, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        if (database.Writer is { } writer)
        {
            var deleted = 0;
            await writer.RunAsync(
                async connection => deleted = await ExecutePurgeChunkAsync(connection, statement, cutoff, cancellationToken),
                cancellationToken);
            return deleted;
        }

        return await RunAsync(async () =>
        {
            await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
            return await ExecutePurgeChunkAsync(connection, statement, cutoff, cancellationToken);
        });
    }

    private async Task<int> ExecutePurgeChunkAsync(DbConnection connection, ReportQuery statement, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var command = statement.Command(connection, null).Add("cutoff", cutoff.UtcTicks).Add("limit", PurgeChunkRows);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Microsoft.Data.Sqlite completes its "async" methods synchronously; run them on the thread pool so that neither a
    /// grain's turn nor the delivery loop's caller waits on SQLite's file lock.
    /// </summary>
    private Task<T> RunAsync<T>(Func<Task<T>> work) => database.CompletesAsyncSynchronously ? Task.Run(work) : work();

    private Task RunAsync(Func<Task> work) => database.CompletesAsyncSynchronously ? Task.Run(work) : work();

    private static async Task<List<SessionReportItem>> ReadSessionsAsync(ReportCommand command, CancellationToken cancellationToken)
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
                reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetString(12)));
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
            details?.Preferences,
            reader.IsDBNull(13) ? details?.TeamId : reader.GetString(13),
            reader.IsDBNull(14) ? details?.PreviousTeamId : reader.GetString(14),
            details?.Team,
            details?.LimitAt,
            details?.Action,
            details?.Since,
            details?.EndsAt,
            details?.GoneSince);
    }

    /// <summary>
    /// What only some kinds of event carry. The team ids have columns of their own, as reports filter on them; team
    /// changes stored before those columns existed hold them here, and are still read from here.
    /// </summary>
    private static string? Details(ReportEntry entry) =>
        entry.Deadline is null && entry.Cause is null && entry.Session is null && entry.Preferences is null && entry.Team is null
            && entry.LimitAt is null && entry.LimitAction is null && entry.Since is null && entry.EndsAt is null
            && entry.Action is null && entry.GoneSince is null
            ? null
            : JsonSerializer.Serialize(
                new EventDetails(
                    entry.Deadline, entry.Cause, entry.Session, entry.Preferences, Team: entry.Team, LimitAt: entry.LimitAt,
                    Action: entry.Action ?? Name(entry.LimitAction), Since: entry.Since, EndsAt: entry.EndsAt, GoneSince: entry.GoneSince),
                DetailsJson);

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

    private sealed record EventDetails(
        DateTimeOffset? Deadline,
        WarningClearedCause? Cause,
        SessionRecord? Session,
        TenantPreferences? Preferences,
        string? TeamId = null,
        string? PreviousTeamId = null,
        Team? Team = null,
        DateTimeOffset? LimitAt = null,
        string? Action = null,
        DateTimeOffset? Since = null,
        DateTimeOffset? EndsAt = null,
        DateTimeOffset? GoneSince = null);
}
