using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Reporting;

namespace WorkSessions.Storage;

/// <summary>
/// The report tables as the grains use them (docs/architecture.md#reporting): the report writer stores outbox entries,
/// the report grain and the tenant read, the retention purges. Implemented in src/Storage (ReportStore) on SQLite and
/// PostgreSQL; the grains see only this.
/// </summary>
internal interface IReportStore
{
    /// <summary>Stores a batch in one transaction; entries already stored (same event id) are skipped.</summary>
    Task InsertAsync(IReadOnlyList<ReportEntry> entries, CancellationToken cancellationToken);

    /// <summary>
    /// Sessions that started in <c>[from, to)</c>, ordered by start and id, after a (start, id) cursor. Wherever a
    /// <c>teamIds</c> set is given, only sessions that started in one of those teams count (an empty set: none); null is every team and none.
    /// </summary>
    Task<List<SessionReportItem>> ReadSessionsStartedAsync(
        string tenantId, ReportRange range, string? agentId, EndReason? endReason, IReadOnlyCollection<string>? teamIds,
        (long StartedTicks, Guid SessionId)? after, int limit, CancellationToken cancellationToken);

    /// <summary>One agent's sessions with time in <c>[from, to)</c> (started in one of <paramref name="teamIds"/> when set), in start order.</summary>
    Task<List<SessionReportItem>> ReadSessionsOverlappingAsync(
        string tenantId, string agentId, ReportRange range, IReadOnlyCollection<string>? teamIds, CancellationToken cancellationToken);

    /// <summary>Agents with a session that has time in <c>[from, to)</c> (started in one of <paramref name="teamIds"/> when set), in id order, after a cursor agent.</summary>
    Task<List<string>> ReadAgentsWithSessionsAsync(
        string tenantId, ReportRange range, IReadOnlyCollection<string>? teamIds, string? afterAgentId, int limit, CancellationToken cancellationToken);

    /// <summary>The tenant's sessions that have no end yet, oldest first: the roster as the report tables know it.</summary>
    Task<List<(string AgentId, Guid SessionId)>> ReadOpenSessionsAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Start and end (null while open) of every session of the tenant with time in <c>[from, to)</c> (started in one of <paramref name="teamIds"/> when set).</summary>
    Task<List<(DateTimeOffset Start, DateTimeOffset? End)>> ReadSessionSpansAsync(
        string tenantId, ReportRange range, IReadOnlyCollection<string>? teamIds, CancellationToken cancellationToken);

    /// <summary>Events as the filter selects them.</summary>
    Task<List<FeedEvent>> ReadEventsAsync(EventFilter filter, CancellationToken cancellationToken);

    /// <summary>The tenant's latest position, 0 when it has no events.</summary>
    Task<long> ReadLatestPositionAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Deletes events before <paramref name="cutoff"/> and sessions that ended before it; returns the rows deleted.</summary>
    Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}

/// <summary>Which events to read; every field but the tenant narrows the selection.</summary>
internal sealed record EventFilter(string TenantId, int Limit)
{
    public string? AgentId { get; init; }

    public string? Kind { get; init; }

    /// <summary>Events at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Events before this time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>
    /// Events at or after this time, as <see cref="From"/> selects them, but read from the first position that holds one:
    /// the feed's pages go in position order, and a reader of the recent feed should not scan the tenant's whole history.
    /// </summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Events with a greater position, in ascending position order.</summary>
    public long? AfterPosition { get; init; }

    /// <summary>When set, newest first: events with a smaller position.</summary>
    public long? BeforePosition { get; init; }

    public bool Descending { get; init; }

    /// <summary>Only events of these sessions.</summary>
    public IReadOnlyList<Guid>? SessionIds { get; init; }

    /// <summary>
    /// Only events of these teams: of an agent while in one of them, of one of them changing, or of an agent joining or
    /// leaving one. An empty set selects nothing; null, every team and none.
    /// </summary>
    public IReadOnlyCollection<string>? TeamIds { get; init; }
}
