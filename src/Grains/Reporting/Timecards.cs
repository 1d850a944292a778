using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Domain;
using WorkSessions.Storage;

namespace WorkSessions.Reporting;

/// <summary>
/// The time accounting of reports (docs/architecture.md#reporting), pure: a session's status periods rebuilt from its
/// events, cut at the range bounds and at local midnight, so every second lands on exactly one agent-day and status.
/// What a period counts for is <see cref="StatusTime"/>'s rule, the one the state machine keeps its totals with.
/// </summary>
internal static class Timecards
{
    /// <summary>One agent's timecard rows, in date order.</summary>
    /// <param name="agentId">The agent.</param>
    /// <param name="sessions">The agent's sessions with time in the range.</param>
    /// <param name="events">The agent's events from the earliest of those sessions' starts up to the range's end, in position order.</param>
    /// <param name="range">The report range.</param>
    /// <param name="zone">The time zone whose local days the rows are.</param>
    /// <param name="now">Open sessions count up to here.</param>
    public static List<TimecardRow> ForAgent(
        string agentId, IReadOnlyList<SessionReportItem> sessions, IReadOnlyList<FeedEvent> events, ReportRange range, TimeZoneInfo zone, DateTimeOffset now)
    {
        var days = new SortedDictionary<DateOnly, DayTotals>();
        DayTotals Day(DateOnly date) => days.TryGetValue(date, out var totals) ? totals : days[date] = new DayTotals();

        var bySession = events.Where(e => e.SessionId is not null).ToLookup(e => e.SessionId!.Value);
        foreach (var session in sessions)
        {
            var end = session.EndedAt ?? Later(now, session.StartedAt);
            var counted = new HashSet<DateOnly>();
            foreach (var period in StatusPeriods(session, bySession[session.SessionId], end))
            {
                foreach (var (date, from, to) in SplitByLocalDay(Clip(period.Start, range), Clip(period.End, range), zone))
                {
                    var day = Day(date);
                    var part = period with { Start = from, End = to };
                    var seconds = StatusTime.Seconds(part);
                    day.SessionSeconds += seconds;
                    day.Time.Add(part);
                    if (seconds > 0 && counted.Add(date))
                    {
                        day.Sessions++;
                    }
                }
            }

            if (counted.Count == 0 && session.StartedAt >= range.From && session.StartedAt < range.To)
            {
                // A session with no time (started and ended in the same instant) still counts on its day.
                Day(LocalDate(session.StartedAt, zone)).Sessions++;
            }
        }

        foreach (var e in events)
        {
            if (e.At < range.From || e.At >= range.To)
            {
                continue;
            }

            switch (e.Kind)
            {
                case FeedEventKinds.InactivityWarning:
                    Day(LocalDate(e.At, zone)).Prompts++;
                    break;
                case FeedEventKinds.WarningCleared when e.Cause == WarningClearedCause.Continued:
                    Day(LocalDate(e.At, zone)).Continues++;
                    break;
                case FeedEventKinds.SessionEnded when e.Session?.EndReason == EndReason.InactivityTimeout:
                    Day(LocalDate(e.At, zone)).AutoEnds++;
                    break;
            }
        }

        return [.. days.Select(day => day.Value.ToRow(agentId, day.Key))];
    }

    /// <summary>An open session as the sessions report shows it: its seconds and counts so far.</summary>
    public static SessionReportItem SoFar(SessionReportItem session, IEnumerable<FeedEvent> sessionEvents, DateTimeOffset now)
    {
        var ordered = sessionEvents.OrderBy(e => e.Position).ToList();
        var time = new StatusTime();
        foreach (var period in StatusPeriods(session, ordered, Later(now, session.StartedAt)))
        {
            time.Add(period);
        }

        return new SessionReportItem(
            session.SessionId, session.AgentId, session.StartedAt, null, null, null,
            ordered.Count(e => e.Kind == FeedEventKinds.InactivityWarning),
            ordered.Count(e => e.Kind == FeedEventKinds.WarningCleared && e.Cause == WarningClearedCause.Continued),
            time.ReadySeconds, time.NotReadySeconds, time.OccupiedSeconds, null, session.TeamId);
    }

    /// <summary>
    /// The session's periods in one status, from its start to <paramref name="end"/>: it starts in the status its start
    /// event recorded, and each status change of the session begins the next period.
    /// </summary>
    internal static IEnumerable<StatusPeriod> StatusPeriods(SessionReportItem session, IEnumerable<FeedEvent> sessionEvents, DateTimeOffset end)
    {
        var status = AgentStatus.Ready;
        string? reason = null;
        var since = session.StartedAt;
        var startKnown = false;
        foreach (var e in sessionEvents)
        {
            if (e.Kind == FeedEventKinds.SessionStarted)
            {
                status = e.To ?? status;
                reason = e.Reason;
                startKnown = true;
                continue;
            }

            if (e.Kind != FeedEventKinds.StatusChanged || e.To is not { } to)
            {
                continue;
            }

            if (!startKnown && e.From is { } from)
            {
                // The start event is not (yet) delivered: the first change says what came before it.
                status = from;
                startKnown = true;
            }

            var at = Later(Earlier(e.At, end), since);
            if (at > since)
            {
                yield return new StatusPeriod(since, at, status, reason);
            }

            (status, reason, since) = (to, e.Reason, at);
        }

        if (end > since && status != AgentStatus.Offline)
        {
            yield return new StatusPeriod(since, end, status, reason);
        }
    }

    /// <summary>Cuts <c>[start, end)</c> at local midnights: the part on each local date.</summary>
    internal static IEnumerable<(DateOnly Date, DateTimeOffset Start, DateTimeOffset End)> SplitByLocalDay(DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone)
    {
        while (start < end)
        {
            var date = LocalDate(start, zone);
            var nextMidnight = LocalMidnightUtc(date.AddDays(1), zone);
            var cut = nextMidnight < end ? nextMidnight : end;
            yield return (date, start, cut);
            start = cut;
        }
    }

    internal static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    /// <summary>The first instant of a local date; where midnight does not exist (a DST gap), the first instant that does.</summary>
    internal static DateTimeOffset LocalMidnightUtc(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        // At an ambiguous midnight the earlier instant (the larger offset) begins the day.
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    private static DateTimeOffset Clip(DateTimeOffset instant, ReportRange range) =>
        instant < range.From ? range.From : instant > range.To ? range.To : instant;

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Earlier(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed class DayTotals
    {
        public int Sessions { get; set; }

        public double SessionSeconds { get; set; }

        public StatusTime Time { get; } = new();

        public int Prompts { get; set; }

        public int Continues { get; set; }

        public int AutoEnds { get; set; }

        public TimecardRow ToRow(string agentId, DateOnly date) => new(
            agentId, date, Sessions, SessionSeconds, Time.ReadySeconds, Time.NotReadySeconds,
            new Dictionary<string, double>(Time.NotReadyByReason, StringComparer.Ordinal), Time.OccupiedSeconds, Prompts, Continues, AutoEnds);
    }
}

/// <summary>Peak and average open sessions per interval (docs/architecture.md#reporting), pure.</summary>
internal static class Concurrency
{
    /// <summary>One row per interval of the range.</summary>
    /// <param name="spans">Each session's start and end, null while open.</param>
    /// <param name="range">The range, cut into intervals from its start; the last may be shorter.</param>
    /// <param name="interval">The interval length.</param>
    /// <param name="now">Open sessions count up to here.</param>
    public static List<ConcurrencyRow> Compute(IEnumerable<(DateTimeOffset Start, DateTimeOffset? End)> spans, ReportRange range, TimeSpan interval, DateTimeOffset now)
    {
        // +1 at each start, −1 at each end; at one instant ends go first, since a session is open over [start, end).
        var changes = new List<(long Ticks, int Delta)>();
        foreach (var (start, end) in spans)
        {
            var from = start < range.From ? range.From : start;
            var to = end ?? now;
            to = to > range.To ? range.To : to;
            if (to > from)
            {
                changes.Add((from.UtcTicks, +1));
                changes.Add((to.UtcTicks, -1));
            }
        }

        changes.Sort((a, b) => a.Ticks != b.Ticks ? a.Ticks.CompareTo(b.Ticks) : a.Delta.CompareTo(b.Delta));

        var rows = new List<ConcurrencyRow>();
        var open = 0;
        var next = 0;
        var buckets = (long)Math.Ceiling(range.Length / interval);
        for (var bucket = 0L; bucket < buckets; bucket++)
        {
            // By index, never by adding to the last start: no instant past the range is ever computed.
            var bucketStart = range.From + interval * bucket;
            var bucketEnd = bucket == buckets - 1 ? range.To : bucketStart + interval;
            while (next < changes.Count && changes[next].Ticks <= bucketStart.UtcTicks)
            {
                open += changes[next++].Delta;
            }

            var peak = open;
            double area = 0;
            var since = bucketStart.UtcTicks;
            while (next < changes.Count && changes[next].Ticks < bucketEnd.UtcTicks)
            {
                var (ticks, delta) = changes[next++];
                area += open * (double)(ticks - since);
                since = ticks;
                open += delta;
                peak = Math.Max(peak, open);
            }

            area += open * (double)(bucketEnd.UtcTicks - since);
            rows.Add(new ConcurrencyRow(bucketStart, peak, area / (bucketEnd.UtcTicks - bucketStart.UtcTicks)));
        }

        return rows;
    }
}
