using Orleans.Concurrency;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;

namespace WorkSessions;

/// <summary>
/// A tenant's reports and event feed (docs/architecture.md#reporting), read from the report tables the agents'
/// outboxes fill. Key: the tenant id (<see cref="WorkSessionsGrains.GetReportGrain"/>), so a caller sees only the
/// tenant it addresses. A stateless worker: reads scale with the silo's cores.
/// </summary>
[Alias("WorkSessions.IReportGrain")]
public interface IReportGrain : IGrainWithStringKey
{
    /// <summary>Work sessions that started in the range, in start order; open ones with <c>endedAt</c> null.</summary>
    /// <param name="query">Range, filters, cursor and page size.</param>
    /// <returns>A page of sessions.</returns>
    /// <exception cref="WorkSessionException"><c>invalid_range</c>, <c>invalid_cursor</c>, <c>invalid_id</c> (an agent or team id), <c>invalid_argument</c>.</exception>
    [ReadOnly, Alias("GetSessions")]
    Task<ReportPage<SessionReportItem>> GetSessions(SessionQuery query);

    /// <summary>Per agent and local day: sessions, time in each status, prompts, continues, auto-ends; in agent, then date order.</summary>
    /// <param name="query">Range, time zone, agent filter, cursor and page size.</param>
    /// <returns>A page of timecard rows.</returns>
    /// <exception cref="WorkSessionException"><c>invalid_range</c>, <c>invalid_time_zone</c>, <c>invalid_cursor</c>, <c>invalid_id</c> (an agent or team id), <c>invalid_argument</c>.</exception>
    [ReadOnly, Alias("GetTimecards")]
    Task<ReportPage<TimecardRow>> GetTimecards(TimecardQuery query);

    /// <summary>An agent's status changes in the range, oldest first, with actor and reason.</summary>
    /// <param name="query">Agent, range, cursor and page size.</param>
    /// <returns>A page of status changes.</returns>
    /// <exception cref="WorkSessionException"><c>invalid_range</c>, <c>invalid_cursor</c>, <c>invalid_id</c>, <c>invalid_argument</c>.</exception>
    [ReadOnly, Alias("GetStatusHistory")]
    Task<ReportPage<StatusHistoryItem>> GetStatusHistory(StatusHistoryQuery query);

    /// <summary>Peak and average open sessions for each interval of the range (licence usage).</summary>
    /// <param name="query">Range and interval.</param>
    /// <returns>One row per interval, in time order.</returns>
    /// <exception cref="WorkSessionException"><c>invalid_range</c>, <c>invalid_interval</c>, <c>invalid_id</c> (a team id).</exception>
    [ReadOnly, Alias("GetConcurrency")]
    Task<IReadOnlyList<ConcurrencyRow>> GetConcurrency(ConcurrencyQuery query);

    /// <summary>The tenant's feed after a position, in position order.</summary>
    /// <param name="after">The last position the reader saw; 0 for the beginning of what is retained.</param>
    /// <param name="limit">The most events to return.</param>
    /// <param name="teamIds">
    /// Only the events of these teams (an agent's while it was in one, a team's changes, agents joining or leaving one);
    /// an empty set selects nothing; null, the whole tenant.
    /// </param>
    /// <param name="since">
    /// Only events at or after this time (null: any time): a reader that wants the recent feed starts here instead of
    /// searching positions. With <paramref name="after"/> too, both hold.
    /// </param>
    /// <returns>
    /// Events with a position greater than <paramref name="after"/>; the cursor is the last one's position when the page
    /// is full (with a team set or a time, the next page may be empty).
    /// </returns>
    /// <exception cref="WorkSessionException"><c>invalid_cursor</c> for a negative position, <c>invalid_id</c> for a malformed team id, <c>invalid_argument</c>.</exception>
    [ReadOnly, Alias("GetEvents")]
    Task<ReportPage<FeedEvent>> GetEvents(long after, int limit, IReadOnlyList<string>? teamIds = null, DateTimeOffset? since = null);

    /// <summary>The position of the tenant's latest stored event, where a live reader without a position starts.</summary>
    /// <returns>The position, or 0 when the tenant has no events.</returns>
    [ReadOnly, Alias("GetLatestPosition")]
    Task<long> GetLatestPosition();

    /// <summary>Every change of the tenant's preferences, newest first.</summary>
    /// <param name="cursor">The cursor of the previous page, or null.</param>
    /// <param name="limit">The page size.</param>
    /// <returns>A page of changes.</returns>
    /// <exception cref="WorkSessionException"><c>invalid_cursor</c>, <c>invalid_argument</c>.</exception>
    [ReadOnly, Alias("GetPreferenceHistory")]
    Task<ReportPage<PreferenceChange>> GetPreferenceHistory(string? cursor, int limit);
}

/// <summary>What the sessions report selects.</summary>
/// <param name="Range">Sessions with <c>startedAt</c> in this range.</param>
/// <param name="AgentId">Only this agent's, when set.</param>
/// <param name="EndReason">Only sessions that ended for this reason, when set.</param>
/// <param name="Cursor">The previous page's cursor, or null.</param>
/// <param name="Limit">The page size, 1–1000.</param>
/// <param name="TeamIds">Only sessions that started in one of these teams (a set; empty selects nothing); null for every team and none.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.SessionQuery")]
public sealed record SessionQuery(
    [property: Id(0)] ReportRange Range,
    [property: Id(1)] string? AgentId,
    [property: Id(2)] EndReason? EndReason,
    [property: Id(3)] string? Cursor,
    [property: Id(4)] int Limit,
    [property: Id(5)] IReadOnlyList<string>? TeamIds = null);

/// <summary>What the timecard report selects.</summary>
/// <param name="Range">Time inside this range counts.</param>
/// <param name="TimeZone">The IANA time zone whose local days the rows are.</param>
/// <param name="AgentId">Only this agent's, when set.</param>
/// <param name="Cursor">The previous page's cursor, or null.</param>
/// <param name="Limit">The page size, 1–1000.</param>
/// <param name="TeamIds">Only the time of sessions that started in one of these teams (a set; empty selects nothing); null for every team and none.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.TimecardQuery")]
public sealed record TimecardQuery(
    [property: Id(0)] ReportRange Range,
    [property: Id(1)] string TimeZone,
    [property: Id(2)] string? AgentId,
    [property: Id(3)] string? Cursor,
    [property: Id(4)] int Limit,
    [property: Id(5)] IReadOnlyList<string>? TeamIds = null);

/// <summary>What the status history selects.</summary>
/// <param name="AgentId">The agent.</param>
/// <param name="Range">Changes in this range.</param>
/// <param name="Cursor">The previous page's cursor, or null.</param>
/// <param name="Limit">The page size, 1–1000.</param>
/// <param name="TeamIds">Only changes made while the agent was in one of these teams (a set; empty selects nothing); null for all.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.StatusHistoryQuery")]
public sealed record StatusHistoryQuery(
    [property: Id(0)] string AgentId,
    [property: Id(1)] ReportRange Range,
    [property: Id(2)] string? Cursor,
    [property: Id(3)] int Limit,
    [property: Id(4)] IReadOnlyList<string>? TeamIds = null);

/// <summary>What the concurrency report covers.</summary>
/// <param name="Range">The range, cut into intervals from its start.</param>
/// <param name="Interval">The interval length, at least one minute.</param>
/// <param name="TeamIds">Only sessions that started in one of these teams (a set; empty selects nothing); null for every team and none.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.ConcurrencyQuery")]
public sealed record ConcurrencyQuery(
    [property: Id(0)] ReportRange Range,
    [property: Id(1)] TimeSpan Interval,
    [property: Id(2)] IReadOnlyList<string>? TeamIds = null);
