using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using Microsoft.AspNetCore.Http.HttpResults;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Gateway.Auth;
using WorkSessions.Gateway.Errors;
using WorkSessions.Gateway.Events;

namespace WorkSessions.Gateway.Apis;

/// <summary>
/// The tenant's reports, their CSV exports and its event feed (docs/http-api.md#reports), for supervisors and admins;
/// the preference history for admins. The tenant comes from the token: the report grain is keyed by it.
/// </summary>
public static partial class ReportsApi
{
    /// <summary>Rows per grain call of a CSV export: the most a report page holds, so a large export makes few calls.</summary>
    private const int ExportPageSize = ReportLimits.MaxLimit;

    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(15);

    private const string FromText = "The first instant included: ISO 8601 with an offset, such as 2026-12-01T00:00:00Z.";
    private const string ToText = "The first instant excluded: ISO 8601 with an offset; at most 93 days after from.";
    private const string CursorText = "The nextCursor of the previous page.";
    private const string LimitText = "Rows per page, 1-1000 (default 100).";
    private const string FormatText = "json (default) or csv: the whole result as a streamed CSV download.";
    private const string AgentText = "Only this agent's rows.";
    private const string TeamText = "Only sessions that started in this team (the agent's team when the session started).";

    private static readonly Dictionary<string, EndReason> EndReasons =
        Enum.GetValues<EndReason>().ToDictionary(reason => JsonNamingPolicy.CamelCase.ConvertName(reason.ToString()), StringComparer.Ordinal);

    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder routes)
    {
        var reports = routes.MapGroup("").RequireAuthorization(Policies.Supervisor).WithTags("Reports");

        reports.MapGet("/reports/work-sessions", GetSessionsAsync)
            .WithName("ReportWorkSessions")
            .WithSummary("Work sessions that started in [from, to), open ones with endedAt null; format=csv streams every row as CSV.")
            .ProducesProblems(ErrorCodes.InvalidRange, ErrorCodes.InvalidCursor, ErrorCodes.InvalidId, ErrorCodes.InvalidArgument);
        reports.MapGet("/reports/timecards", GetTimecardsAsync)
            .WithName("ReportTimecards")
            .WithSummary("Per agent and local day of timeZone: sessions, seconds in each status, prompts, continues, auto-ends; format=csv streams CSV.")
            .ProducesProblems(ErrorCodes.InvalidRange, ErrorCodes.InvalidTimeZone, ErrorCodes.InvalidCursor, ErrorCodes.InvalidId, ErrorCodes.InvalidArgument);
        reports.MapGet("/agents/{agentId}/status-history", GetStatusHistoryAsync)
            .WithName("ReportAgentStatusHistory")
            .WithSummary("One agent's status changes in [from, to), oldest first, with actor and reason; format=csv streams CSV.")
            .ProducesProblems(ErrorCodes.InvalidRange, ErrorCodes.InvalidCursor, ErrorCodes.InvalidId, ErrorCodes.InvalidArgument);
        reports.MapGet("/reports/concurrency", GetConcurrencyAsync)
            .WithName("ReportConcurrency")
            .WithSummary("Peak and average open work sessions for each interval (ISO 8601 duration, default PT15M) of [from, to).")
            .ProducesProblems(ErrorCodes.InvalidRange, ErrorCodes.InvalidInterval, ErrorCodes.InvalidId);
        reports.MapGet("/events", GetEventsAsync)
            .WithName("ReadEventFeed")
            .WithSummary("The tenant's event feed after a position (JSON pages: also since a time), or with Accept: text/event-stream a live stream resumable with Last-Event-ID.")
            .ProducesProblems(ErrorCodes.InvalidCursor, ErrorCodes.InvalidId, ErrorCodes.InvalidArgument, ErrorCodes.InvalidRange);

        routes.MapGet("/preferences/work-sessions/history", GetPreferenceHistoryAsync)
            .RequireAuthorization(Policies.Admin)
            .WithTags("Admin")
            .WithName("ListWorkSessionPreferenceChanges")
            .WithSummary("Every change of the preferences, newest first: version, time, who and the values set.")
            .ProducesProblems(ErrorCodes.InvalidCursor, ErrorCodes.InvalidArgument);
        return routes;
    }

    private static async Task<Results<Ok<ReportPage<SessionReportItem>>, CsvExport<SessionReportItem>>> GetSessionsAsync(
        ClaimsPrincipal user,
        IGrainFactory grains,
        [Description(FromText)] string? from,
        [Description(ToText)] string? to,
        [Description(AgentText)] string? agentId,
        [Description("Only sessions that ended for this reason: agentEnded, inactivityTimeout, endedBySupervisor, endedByAdmin, featureDisabled, clientGone, statusLimit or shiftEnded.")] string? endReason,
        [Description(CursorText)] string? cursor,
        [Description(LimitText)] int? limit,
        [Description(FormatText)] string? format,
        [Description(TeamText)] string? teamId,
        SupervisorVisibility visibility)
    {
        var range = Range(from, to);
        var reason = EndReasonOf(endReason);
        var teams = await ScopedTeamsAsync(teamId, user, visibility);
        var reports = Reports(user, grains);
        return await PageOrCsvAsync(
            (after, size) => reports.GetSessions(new SessionQuery(range, agentId, reason, after, size, teams)),
            cursor, limit, format, "work-sessions.csv", CsvColumns.Sessions);
    }

    private static async Task<Results<Ok<ReportPage<TimecardRow>>, CsvExport<TimecardRow>>> GetTimecardsAsync(
        ClaimsPrincipal user,
        IGrainFactory grains,
        [Description(FromText)] string? from,
        [Description(ToText)] string? to,
        [Description("The IANA time zone whose local days the rows are, such as Europe/Berlin; UTC when absent.")] string? timeZone,
        [Description(AgentText)] string? agentId,
        [Description(CursorText)] string? cursor,
        [Description(LimitText)] int? limit,
        [Description(FormatText)] string? format,
        // The filters added later come last: clients generated from an earlier document pass the others by position.
        [Description("Only the time of sessions that started in this team (the agent's team when the session started).")] string? teamId,
        SupervisorVisibility visibility)
    {
        var range = Range(from, to);
        var teams = await ScopedTeamsAsync(teamId, user, visibility);
        var reports = Reports(user, grains);
        return await PageOrCsvAsync(
            (after, size) => reports.GetTimecards(new TimecardQuery(range, timeZone ?? "UTC", agentId, after, size, teams)),
            cursor, limit, format, "timecards.csv", CsvColumns.Timecards);
    }

    private static async Task<Results<Ok<ReportPage<StatusHistoryItem>>, CsvExport<StatusHistoryItem>>> GetStatusHistoryAsync(
        string agentId,
        ClaimsPrincipal user,
        IGrainFactory grains,
        SupervisorVisibility visibility,
        [Description(FromText)] string? from,
        [Description(ToText)] string? to,
        [Description(CursorText)] string? cursor,
        [Description(LimitText)] int? limit,
        [Description(FormatText)] string? format)
    {
        var range = Range(from, to);
        var reports = Reports(user, grains);
        var caller = Caller.From(user);

        // An agent outside a scoped supervisor's teams has the history of an agent never seen: empty (the query still
        // runs, so a bad cursor or id is rejected exactly as it is for any agent); of one in their teams, the rows of the
        // time it was in one of them.
        var teams = await visibility.NarrowAsync(caller, null);
        var visible = teams is null || await visibility.CanSeeAgentAsync(caller, agentId);

        // The first page validates the agent id before the file name, a header, is written.
        return await PageOrCsvAsync(
            async (after, size) =>
            {
                var page = await reports.GetStatusHistory(new StatusHistoryQuery(agentId, range, after, size, teams));
                return visible ? page : new ReportPage<StatusHistoryItem>([], null);
            },
            cursor, limit, format, $"status-history-{agentId}.csv", CsvColumns.StatusHistory);
    }

    /// <summary>
    /// One JSON page, or with <c>format=csv</c> the whole result from the cursor on, streamed in pages of
    /// <see cref="ExportPageSize"/>. Either way the first page is read here, so a rejected query is a problem answer.
    /// </summary>
    private static async Task<Results<Ok<ReportPage<T>>, CsvExport<T>>> PageOrCsvAsync<T>(
        Func<string?, int, Task<ReportPage<T>>> page, string? cursor, int? limit, string? format, string fileName, IReadOnlyList<CsvColumn<T>> columns)
    {
        var pageSize = ReportLimits.PageSize(limit);
        if (!IsCsv(format))
        {
            return TypedResults.Ok(await page(cursor, pageSize));
        }

        return new CsvExport<T>(fileName, columns, await page(cursor, ExportPageSize), next => page(next, ExportPageSize));
    }

    private static async Task<Ok<ReportPage<ConcurrencyRow>>> GetConcurrencyAsync(
        ClaimsPrincipal user,
        IGrainFactory grains,
        [Description(FromText)] string? from,
        [Description(ToText)] string? to,
        [Description("An ISO 8601 duration of at least PT1M, such as PT15M (the default) or PT1H.")] string? interval,
        [Description(TeamText)] string? teamId,
        SupervisorVisibility visibility)
    {
        var query = new ConcurrencyQuery(Range(from, to), Interval(interval), await ScopedTeamsAsync(teamId, user, visibility));
        var rows = await Reports(user, grains).GetConcurrency(query);
        // Every interval comes in one answer; the page shape matches the other lists.
        return TypedResults.Ok(new ReportPage<ConcurrencyRow>(rows, null));
    }

    private static async Task<Results<Ok<ReportPage<FeedEvent>>, TenantEventFeed>> GetEventsAsync(
        HttpContext context,
        ClaimsPrincipal user,
        IGrainFactory grains,
        [Description("The last feed position seen (default 0); a stream prefers the Last-Event-ID header and starts at the live end without either.")] string? after,
        [Description(LimitText)] int? limit,
        [Description("Only this team's events: its agents' while they were in it, its own changes, agents joining or leaving it.")] string? teamId,
        // Added after the others: clients generated from an earlier document pass them by position.
        [Description("Only events at or after this time (ISO 8601 with an offset, such as 2026-12-01T08:00:00Z): the page starts at the first of them. JSON pages only; a stream resumes by position.")] string? since,
        SupervisorVisibility visibility)
    {
        var pageSize = ReportLimits.PageSize(limit);
        var from = since is null ? (DateTimeOffset?)null : Time(since, "since");
        var teams = await ScopedTeamsAsync(teamId, user, visibility);
        var reports = Reports(user, grains);
        if (TenantEventFeed.IsRequested(context.Request))
        {
            // A live stream starts at a position (Last-Event-ID, after, or the live end); a time would be a second start.
            return from is null
                ? await TenantEventFeed.OpenAsync(context.Request, reports, after, teams)
                : throw new WorkSessionException(ErrorCodes.InvalidArgument, "since applies to the feed's JSON pages; a stream starts after a position (after or Last-Event-ID).");
        }

        return TypedResults.Ok(await reports.GetEvents(Position(after, "after") ?? 0, pageSize, teams, from));
    }

    private static async Task<Ok<ReportPage<PreferenceChange>>> GetPreferenceHistoryAsync(
        ClaimsPrincipal user,
        IGrainFactory grains,
        [Description(CursorText)] string? cursor,
        [Description(LimitText)] int? limit) =>
        TypedResults.Ok(await Reports(user, grains).GetPreferenceHistory(cursor, ReportLimits.PageSize(limit)));

    private static IReportGrain Reports(ClaimsPrincipal user, IGrainFactory grains) => grains.GetReportGrain(Caller.From(user).TenantId);

    /// <summary>A feed position as a client sends it back: a whole number, 0 or more.</summary>
    /// <exception cref="WorkSessionException"><c>invalid_cursor</c> for anything else.</exception>
    internal static long? Position(string? value, string name) =>
        value is null ? null
        : long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var position) ? position
        : throw new WorkSessionException(ErrorCodes.InvalidCursor, $"{name} must be a feed position (a whole number, 0 or more), not '{value}'.");

    private static bool IsCsv(string? format) => format switch
    {
        null or "json" => false,
        "csv" => true,
        _ => throw new WorkSessionException(ErrorCodes.InvalidArgument, $"format must be json or csv, not '{format}'."),
    };

    /// <summary>A <c>teamId</c> parameter narrowed to the teams the caller sees (<see cref="SupervisorVisibility.NarrowAsync"/>); a bad one is rejected either way.</summary>
    private static Task<IReadOnlyList<string>?> ScopedTeamsAsync(string? teamId, ClaimsPrincipal user, SupervisorVisibility visibility) =>
        visibility.NarrowAsync(Caller.From(user), Teams(teamId));

    /// <summary>A <c>teamId</c> parameter as the set of teams a report selects: null (absent) is every team and none.</summary>
    /// <exception cref="WorkSessionException"><c>invalid_id</c> for anything a team id cannot be.</exception>
    private static string[]? Teams(string? teamId) =>
        teamId is null ? null
        : AgentKey.IsValidTenantId(teamId) ? [teamId]
        : throw new WorkSessionException(ErrorCodes.InvalidId, $"teamId '{teamId}' is not a team id: 1 to {AgentKey.MaxTenantIdLength} lowercase letters, digits or '-'.");

    private static EndReason? EndReasonOf(string? name) =>
        name is null ? null
        : EndReasons.TryGetValue(name, out var reason) ? reason
        : throw new WorkSessionException(ErrorCodes.InvalidArgument, $"endReason must be one of {string.Join(", ", EndReasons.Keys)}, not '{name}'.");

    private static ReportRange Range(string? from, string? to) => ReportRange.Create(Time(from, "from"), Time(to, "to"));

    /// <summary>
    /// An ISO 8601 time with its offset. A time without one would mean the server's zone; other formats
    /// <see cref="DateTimeOffset.Parse(string)"/> takes (<c>12/1/2026</c>) are ambiguous across locales.
    /// </summary>
    private static DateTimeOffset Time(string? value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new WorkSessionException(ErrorCodes.InvalidRange, $"{name} is required: an ISO 8601 time with an offset, such as 2026-12-01T00:00:00Z.");
        }

        // An unencoded '+' in a query string arrives as a space ("…T08:00:00 01:00"); the intent is unambiguous.
        var normalized = SpaceForPlus().Replace(value, "+$1");
        if (!IsoTime().IsMatch(normalized)
            || !DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw new WorkSessionException(ErrorCodes.InvalidRange, $"{name} '{value}' is not an ISO 8601 time with an offset, such as 2026-12-01T00:00:00Z or 2026-12-01T00:00:00%2B01:00.");
        }

        return time;
    }

    /// <summary>
    /// An ISO 8601 duration in days, hours, minutes and seconds. Years and months are refused: <c>P1M</c> (a month)
    /// is too easily meant as <c>PT1M</c> (a minute), and neither has a fixed length.
    /// </summary>
    private static TimeSpan Interval(string? value)
    {
        if (value is null)
        {
            return DefaultInterval;
        }

        try
        {
            if (IsoDuration().IsMatch(value) && value is not ("P" or "PT"))
            {
                return XmlConvert.ToTimeSpan(value);
            }
        }
        catch (Exception exception) when (exception is FormatException or OverflowException)
        {
            // Answered below, like every other malformed duration.
        }

        throw new WorkSessionException(ErrorCodes.InvalidInterval, $"interval '{value}' is not an ISO 8601 duration in days, hours, minutes or seconds, such as PT15M.");
    }

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?(Z|[+-][0-9]{2}:[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTime();

    [GeneratedRegex(@"(?<=T[0-9:.]+) ([0-9]{2}:[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex SpaceForPlus();

    [GeneratedRegex(@"^P([0-9]{1,5}D)?(T([0-9]{1,6}H)?([0-9]{1,8}M)?([0-9]{1,9}(\.[0-9]{1,7})?S)?)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDuration();
}
