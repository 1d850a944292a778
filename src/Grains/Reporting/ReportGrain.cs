using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Orleans.Concurrency;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Storage;

namespace WorkSessions.Reporting;

/// <summary>
/// Reads a tenant's reports and feed from the report tables (docs/architecture.md#reporting). Stateless: the key is the
/// tenant, so every query is scoped to it by construction; the store runs the SQL off the scheduler.
/// </summary>
[StatelessWorker, GrainType("reports")]
internal sealed partial class ReportGrain(IReportStore store, TimeProvider timeProvider) : Grain, IReportGrain
{
    /// <summary>Session ids per events query: well inside both engines' parameter limits.</summary>
    private const int SessionsPerQuery = 500;

    /// <summary>The most team ids one query names: every team of the largest tenant (docs/http-api.md#teams).</summary>
    internal const int MaxTeamsPerQuery = 500;

    private string TenantId => WorkSessionsGrains.TenantIdOf(this.GetPrimaryKeyString());

    public async Task<ReportPage<SessionReportItem>> GetSessions(SessionQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var range = query.Range.Validated();
        var limit = ReportLimits.PageSize(query.Limit);
        var agentId = OptionalAgent(query.AgentId);
        var teams = Teams(query.TeamIds);
        var after = query.Cursor is null ? ((long, Guid)?)null : Cursor.ReadSession(query.Cursor);

        var sessions = await store.ReadSessionsStartedAsync(TenantId, range, agentId, query.EndReason, teams, after, limit + 1, CancellationToken.None);
        var hasMore = sessions.Count > limit;
        if (hasMore)
        {
            sessions.RemoveAt(sessions.Count - 1);
        }

        var now = timeProvider.GetUtcNow();
        var items = new List<SessionReportItem>(sessions.Count);
        foreach (var session in sessions)
        {
            // An ended session's row holds its final figures; an open one's are counted from its events up to now.
            items.Add(session.EndedAt is null ? Timecards.SoFar(session, await SessionEventsAsync(session), now) : session);
        }

        return new ReportPage<SessionReportItem>(items, hasMore ? Cursor.Session(sessions[^1].StartedAt.UtcTicks, sessions[^1].SessionId) : null);
    }

    public async Task<ReportPage<TimecardRow>> GetTimecards(TimecardQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var range = query.Range.Validated();
        var limit = ReportLimits.PageSize(query.Limit);
        var zone = TimeZone(query.TimeZone);
        var agentFilter = OptionalAgent(query.AgentId);
        var teams = Teams(query.TeamIds);
        var after = query.Cursor is null ? ((string AgentId, DateOnly Date)?)null : Cursor.ReadTimecard(query.Cursor);
        var now = timeProvider.GetUtcNow();

        var rows = new List<TimecardRow>();
        if (after is { } cursor)
        {
            if (agentFilter is not null && agentFilter != cursor.AgentId)
            {
                throw new WorkSessionException(ErrorCodes.InvalidCursor, "That cursor belongs to another agent's timecards.");
            }

            // The cursor's agent may have days left after the cursor's date.
            rows.AddRange((await AgentTimecardsAsync(cursor.AgentId, range, teams, zone, now)).Where(row => row.Date > cursor.Date));
        }
        else if (agentFilter is not null)
        {
            rows.AddRange(await AgentTimecardsAsync(agentFilter, range, teams, zone, now));
        }

        var nextAgent = after?.AgentId;
        while (agentFilter is null && rows.Count <= limit)
        {
            var agents = await store.ReadAgentsWithSessionsAsync(TenantId, range, teams, nextAgent, 50, CancellationToken.None);
            if (agents.Count == 0)
            {
                break;
            }

            foreach (var agentId in agents)
            {
                rows.AddRange(await AgentTimecardsAsync(agentId, range, teams, zone, now));
                nextAgent = agentId;
                if (rows.Count > limit)
                {
                    break;
                }
            }
        }

        var hasMore = rows.Count > limit;
        if (hasMore)
        {
            rows.RemoveRange(limit, rows.Count - limit);
        }

        return new ReportPage<TimecardRow>(rows, hasMore ? Cursor.Timecard(rows[^1].AgentId, rows[^1].Date) : null);
    }

    public async Task<ReportPage<StatusHistoryItem>> GetStatusHistory(StatusHistoryQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var range = query.Range.Validated();
        var limit = ReportLimits.PageSize(query.Limit);
        var agentId = OptionalAgent(query.AgentId) ?? throw new WorkSessionException(ErrorCodes.InvalidId, "An agent id is required.");
        var teams = Teams(query.TeamIds);
        var after = query.Cursor is null ? (long?)null : Cursor.ReadPosition(query.Cursor);
        var events = await store.ReadEventsAsync(
            new EventFilter(TenantId, limit + 1)
            {
                AgentId = agentId, Kind = FeedEventKinds.StatusChanged, From = range.From, To = range.To, AfterPosition = after, TeamIds = teams,
            },
            CancellationToken.None);
        var hasMore = events.Count > limit;
        if (hasMore)
        {
            events.RemoveAt(events.Count - 1);
        }

        return new ReportPage<StatusHistoryItem>(
            [.. events.Select(e => new StatusHistoryItem(e.EventId, e.At, e.SessionId, e.From ?? AgentStatus.Offline, e.To ?? AgentStatus.Offline, e.Reason, e.Actor ?? Actor.System, e.TeamId))],
            hasMore ? Cursor.Position(events[^1].Position) : null);
    }

    public async Task<IReadOnlyList<ConcurrencyRow>> GetConcurrency(ConcurrencyQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var range = query.Range.Validated();
        if (query.Interval < ReportLimits.MinInterval)
        {
            throw new WorkSessionException(ErrorCodes.InvalidInterval, "interval must be at least PT1M.");
        }

        if (Math.Ceiling(range.Length / query.Interval) > ReportLimits.MaxIntervals)
        {
            throw new WorkSessionException(
                ErrorCodes.InvalidInterval, $"That range holds more than {ReportLimits.MaxIntervals} intervals; choose a longer interval.");
        }

        var spans = await store.ReadSessionSpansAsync(TenantId, range, Teams(query.TeamIds), CancellationToken.None);
        return Concurrency.Compute(spans, range, query.Interval, timeProvider.GetUtcNow());
    }

    public async Task<ReportPage<FeedEvent>> GetEvents(long after, int limit, IReadOnlyList<string>? teamIds = null, DateTimeOffset? since = null)
    {
        if (after < 0)
        {
            throw new WorkSessionException(ErrorCodes.InvalidCursor, "after must be a position the feed handed out (0 or more).");
        }

        var pageSize = ReportLimits.PageSize(limit);
        var events = await store.ReadEventsAsync(new EventFilter(TenantId, pageSize) { AfterPosition = after, TeamIds = Teams(teamIds), Since = since }, CancellationToken.None);
        return new ReportPage<FeedEvent>(events, events.Count == pageSize ? events[^1].Position.ToString(CultureInfo.InvariantCulture) : null);
    }

    public Task<long> GetLatestPosition() => store.ReadLatestPositionAsync(TenantId, CancellationToken.None);

    public async Task<ReportPage<PreferenceChange>> GetPreferenceHistory(string? cursor, int limit)
    {
        var pageSize = ReportLimits.PageSize(limit);
        var before = cursor is null ? (long?)null : Cursor.ReadPosition(cursor);

        // The first page starts with the tenant's latest change, which the tenant answers itself: its report event may
        // still wait behind the silo's queue of agents' events, and the admin who saved it expects to find it at once.
        var latest = cursor is null ? await GrainFactory.GetTenantGrain(TenantId).GetPreferences() : null;
        var events = await store.ReadEventsAsync(
            new EventFilter(TenantId, pageSize + 1) { Kind = FeedEventKinds.PreferencesChanged, BeforePosition = before, Descending = true },
            CancellationToken.None);
        var unreported = latest is { Version: > 0 } && (events.Count == 0 || events[0].Preferences?.Version < latest.Version) ? latest : null;
        var room = unreported is null ? pageSize : pageSize - 1;
        string? next = null;
        if (events.Count > room)
        {
            // Positions only grow and the cursor excludes its own: the next page starts with the first change left out.
            next = Cursor.Position(room > 0 ? events[room - 1].Position : events[0].Position + 1);
            events.RemoveRange(room, events.Count - room);
        }

        var changes = events.Where(e => e.Preferences is not null).Select(e => Change(e.Preferences!, e.At));
        return new ReportPage<PreferenceChange>(unreported is null ? [.. changes] : [Change(unreported, timeProvider.GetUtcNow()), .. changes], next);

        static PreferenceChange Change(TenantPreferences preferences, DateTimeOffset at) => new(
            preferences.Version,
            preferences.UpdatedAt ?? at,
            preferences.UpdatedBy,
            preferences.Preferences.WorkSessionsEnabled,
            preferences.Preferences.AutoEndEnabled,
            preferences.Preferences.InactivityTimeoutSeconds,
            preferences.Preferences.GracePeriodSeconds,
            preferences.Preferences.NotReadyReasons,
            preferences.Preferences.SupervisorScope,
            preferences.Preferences.NotReadyLimits,
            preferences.Preferences.ClientGoneSeconds,
            preferences.Preferences.ClientGoneAction);
    }

    private async Task<List<TimecardRow>> AgentTimecardsAsync(
        string agentId, ReportRange range, IReadOnlyCollection<string>? teams, TimeZoneInfo zone, DateTimeOffset now)
    {
        var sessions = await store.ReadSessionsOverlappingAsync(TenantId, agentId, range, teams, CancellationToken.None);
        if (sessions.Count == 0)
        {
            return [];
        }

        // By session rather than by time: a status change stamped before its session's start (a clock behind after a
        // failover) still belongs to it.
        var events = new List<FeedEvent>();
        foreach (var chunk in sessions.Select(session => session.SessionId).Chunk(SessionsPerQuery))
        {
            events.AddRange(await store.ReadEventsAsync(new EventFilter(TenantId, int.MaxValue) { AgentId = agentId, SessionIds = chunk }, CancellationToken.None));
        }

        return Timecards.ForAgent(agentId, sessions, [.. events.OrderBy(e => e.Position)], range, zone, now);
    }

    private Task<List<FeedEvent>> SessionEventsAsync(SessionReportItem session) =>
        store.ReadEventsAsync(new EventFilter(TenantId, int.MaxValue) { AgentId = session.AgentId, SessionIds = [session.SessionId] }, CancellationToken.None);

    private static string? OptionalAgent(string? agentId) =>
        agentId is null || AgentKey.IsValidAgentId(agentId)
            ? agentId
            : throw new WorkSessionException(ErrorCodes.InvalidId, $"'{agentId}' is not a valid agent id.");

    /// <summary>A team filter as a set: null stays null (every team and none), each id must be one a team can have.</summary>
    private static HashSet<string>? Teams(IReadOnlyList<string>? teamIds)
    {
        if (teamIds is null)
        {
            return null;
        }

        var teams = new HashSet<string>(StringComparer.Ordinal);
        foreach (var teamId in teamIds)
        {
            teams.Add(AgentKey.IsValidTenantId(teamId)
                ? teamId
                : throw new WorkSessionException(ErrorCodes.InvalidId, $"'{teamId}' is not a valid team id."));
        }

        return teams.Count <= MaxTeamsPerQuery
            ? teams
            : throw new WorkSessionException(ErrorCodes.InvalidArgument, $"A report names at most {MaxTeamsPerQuery} teams, not {teams.Count}.");
    }

    private static TimeZoneInfo TimeZone(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            // IANA names only: Windows names or offsets would make one report mean different things on different hosts.
            var zone = name.Length <= 64 && IanaName().IsMatch(name) ? TimeZoneInfo.FindSystemTimeZoneById(name) : null;
            if (zone is { HasIanaId: true })
            {
                return zone;
            }
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException or IOException or UnauthorizedAccessException)
        {
        }

        throw new WorkSessionException(ErrorCodes.InvalidTimeZone, $"'{name}' is not an IANA time zone name (e.g. Europe/Berlin).");
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex IanaName();

    /// <summary>Opaque cursors: a kind tag and the sort key, base64url-encoded. Anything else is <c>invalid_cursor</c>.</summary>
    private static class Cursor
    {
        public static string Session(long startedTicks, Guid sessionId) => Encode($"s:{startedTicks}:{sessionId:N}");

        public static string Timecard(string agentId, DateOnly date) => Encode($"t:{date:yyyy-MM-dd}:{agentId}");

        public static string Position(long position) => Encode($"p:{position}");

        public static (long, Guid) ReadSession(string cursor)
        {
            var parts = Decode(cursor, "s").Split(':');
            return parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && Guid.TryParseExact(parts[1], "N", out var id)
                ? (ticks, id)
                : throw Invalid();
        }

        public static (string AgentId, DateOnly Date) ReadTimecard(string cursor)
        {
            var value = Decode(cursor, "t");
            return value.Length > 11 && value[10] == ':'
                && DateOnly.TryParseExact(value[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                && AgentKey.IsValidAgentId(value[11..])
                ? (value[11..], date)
                : throw Invalid();
        }

        public static long ReadPosition(string cursor) =>
            long.TryParse(Decode(cursor, "p"), NumberStyles.None, CultureInfo.InvariantCulture, out var position) ? position : throw Invalid();

        private static string Encode(string value) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(value));

        private static string Decode(string cursor, string kind)
        {
            try
            {
                var value = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
                return value.StartsWith(kind + ":", StringComparison.Ordinal) ? value[(kind.Length + 1)..] : throw Invalid();
            }
            catch (FormatException)
            {
                throw Invalid();
            }
        }

        private static WorkSessionException Invalid() =>
            new(ErrorCodes.InvalidCursor, "That cursor was not handed out by this report; start again without one.");
    }
}
