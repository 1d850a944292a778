using WorkSessions.Contracts;

namespace WorkSessions.Domain.Limits;

/// <summary>
/// What the agent was told of a not-ready limit in its current status period (docs/architecture.md#limits). It
/// belongs to the period that began at <paramref name="StatusSince"/> in <paramref name="Reason"/>; any other
/// period has been told nothing.
/// </summary>
/// <param name="StatusSince">When the status period began.</param>
/// <param name="Reason">The not-ready reason of the period.</param>
/// <param name="LimitAt">The limit the warning announced.</param>
/// <param name="Reached">Whether the limit has passed and its action was taken.</param>
internal sealed record StatusLimitNotice(DateTimeOffset StatusSince, string Reason, DateTimeOffset LimitAt, bool Reached);

/// <summary>What the agent was told of its shift's end (docs/architecture.md#shift-end).</summary>
/// <param name="Occurrence">The shift end the notice is for: the first time the team's clock reached it after the session started.</param>
/// <param name="EndsAt">The end the notice announced.</param>
internal sealed record ShiftNotice(DateTimeOffset Occurrence, DateTimeOffset EndsAt);

/// <summary>
/// The session's limits beside inactivity: not-ready limits and the end of the team's shift (docs/architecture.md#limits).
/// <see cref="WorkSessionMachine"/> asks <see cref="NextDeadline"/> for its timer and runs <see cref="Check"/> with
/// its deadlines. Both rules share one promise: the agent is always told before, and never less than the notice the
/// preference gives, so a warning that comes late (a limit shortened, a shift end moved into the past, the platform
/// down at the time) moves the announced time to the warning plus the notice. Neither ends a session while an
/// engagement is open.
/// </summary>
internal static class SessionLimits
{
    /// <summary>The earliest time at which <see cref="Check"/> has something to do, or null.</summary>
    /// <param name="state">The agent's state.</param>
    /// <param name="preferences">The effective preferences.</param>
    public static DateTimeOffset? NextDeadline(AgentState state, WorkSessionPreferences preferences)
    {
        if (state.Session is null || !preferences.WorkSessionsEnabled)
        {
            return null;
        }

        var limit = StatusLimitDeadline(state, preferences);
        var shift = ShiftDeadline(state);
        return limit is null ? shift : shift is null ? limit : limit < shift ? limit : shift;
    }

    /// <summary>
    /// Gives the warnings that are due and says how the session ends, if it does: <c>statusLimit</c> when a not-ready limit
    /// whose action ends the session passed, <c>shiftEnded</c> when the shift's announced end passed with no engagement open.
    /// Changes only the session's notices; the caller records the events and ends the session.
    /// </summary>
    /// <param name="agentId">The agent.</param>
    /// <param name="state">The agent's state (a command's copy).</param>
    /// <param name="preferences">The effective preferences.</param>
    /// <param name="clock">The clock, which deadlines are judged by.</param>
    /// <param name="now">The time to record.</param>
    /// <param name="events">Where the events go.</param>
    public static EndReason? Check(string agentId, AgentState state, WorkSessionPreferences preferences, DateTimeOffset clock, DateTimeOffset now, List<AgentEvent> events)
    {
        if (state.Session is null || !preferences.WorkSessionsEnabled)
        {
            return null;
        }

        if (CheckStatusLimit(agentId, state, preferences, clock, now, events) == StatusLimitAction.EndSession)
        {
            return EndReason.StatusLimit;
        }

        return CheckShift(agentId, state, clock, now, events) ? EndReason.ShiftEnded : null;
    }

    /// <summary>The limit of the agent's current status: not ready for a reason with a limit, no engagement open.</summary>
    public static NotReadyLimit? LimitOf(AgentState state, WorkSessionPreferences preferences)
    {
        if (state.Session is null || state.Status != AgentStatus.NotReady || state.StatusReason is not { } reason || state.OpenEngagements.Count > 0)
        {
            return null;
        }

        foreach (var limit in preferences.NotReadyLimits)
        {
            if (string.Equals(limit.Reason, reason, StringComparison.OrdinalIgnoreCase))
            {
                return limit;
            }
        }

        return null;
    }

    /// <summary>The shift end the session's deadlines follow: the first time the team's clock reaches it after the session started.</summary>
    public static DateTimeOffset? ShiftOccurrence(AgentState state)
    {
        if (state.Session is not { } session || state.Team is not { Preferences.ShiftEnd: { } shift } team || ShiftClock.ParseTime(shift.Time) is not { } time)
        {
            return null;
        }

        return ShiftClock.NextOccurrence(time, ShiftClock.Zone(team.TimeZone), session.StartedAt);
    }

    private static DateTimeOffset? StatusLimitDeadline(AgentState state, WorkSessionPreferences preferences)
    {
        if (LimitOf(state, preferences) is not { } limit)
        {
            return null;
        }

        var limitAt = state.Session!.StatusSince.AddSeconds(limit.MaxSeconds);
        return NoticeOf(state) switch
        {
            null => limitAt.AddSeconds(-limit.WarnSecondsBefore),
            { Reached: true } => null,
            { } notice => Later(limitAt, notice.LimitAt),
        };
    }

    private static StatusLimitAction? CheckStatusLimit(string agentId, AgentState state, WorkSessionPreferences preferences, DateTimeOffset clock, DateTimeOffset now, List<AgentEvent> events)
    {
        if (LimitOf(state, preferences) is not { } limit)
        {
            return null;
        }

        var session = state.Session!;
        var reason = state.StatusReason!;
        var limitAt = session.StatusSince.AddSeconds(limit.MaxSeconds);
        var notice = NoticeOf(state);
        if (notice is { Reached: true })
        {
            return null;
        }

        if (notice is null && clock >= limitAt.AddSeconds(-limit.WarnSecondsBefore))
        {
            notice = new StatusLimitNotice(session.StatusSince, reason, Announced(limitAt, now, TimeSpan.FromSeconds(limit.WarnSecondsBefore)), Reached: false);
            session.StatusLimitNotice = notice;
            events.Add(new StatusLimitWarned(TimeOrderedIds.New(now), agentId, now, session.SessionId, reason, notice.LimitAt));
        }

        if (notice is null || clock < Later(limitAt, notice.LimitAt))
        {
            return null;
        }

        session.StatusLimitNotice = notice with { Reached = true };
        events.Add(new StatusLimitReached(TimeOrderedIds.New(now), agentId, now, session.SessionId, reason, limit.Action, session.StatusSince));
        return limit.Action;
    }

    private static DateTimeOffset? ShiftDeadline(AgentState state)
    {
        if (ShiftOccurrence(state) is not { } occurrence)
        {
            return null;
        }

        return ShiftNoticeOf(state, occurrence) switch
        {
            null => occurrence.AddMinutes(-state.Team!.Preferences.ShiftEnd!.WarnMinutes),

            // The end waits for the last engagement, whose end runs the check again.
            _ when state.OpenEngagements.Count > 0 => null,
            { } notice => notice.EndsAt,
        };
    }

    private static bool CheckShift(string agentId, AgentState state, DateTimeOffset clock, DateTimeOffset now, List<AgentEvent> events)
    {
        if (ShiftOccurrence(state) is not { } occurrence)
        {
            return false;
        }

        var session = state.Session!;
        var warn = TimeSpan.FromMinutes(state.Team!.Preferences.ShiftEnd!.WarnMinutes);
        var notice = ShiftNoticeOf(state, occurrence);
        if (notice is null && clock >= occurrence - warn)
        {
            notice = new ShiftNotice(occurrence, Announced(occurrence, now, warn));
            session.ShiftNotice = notice;
            events.Add(new ShiftEnding(TimeOrderedIds.New(now), agentId, now, session.SessionId, notice.EndsAt));
        }

        return notice is not null && clock >= notice.EndsAt && state.OpenEngagements.Count == 0;
    }

    /// <summary>The time a warning announces: the due time while it is ahead, else the full notice from now.</summary>
    private static DateTimeOffset Announced(DateTimeOffset due, DateTimeOffset now, TimeSpan notice) => due > now ? due : now + notice;

    private static StatusLimitNotice? NoticeOf(AgentState state) =>
        state.Session?.StatusLimitNotice is { } notice && notice.StatusSince == state.Session.StatusSince && string.Equals(notice.Reason, state.StatusReason, StringComparison.Ordinal)
            ? notice
            : null;

    private static ShiftNotice? ShiftNoticeOf(AgentState state, DateTimeOffset occurrence) =>
        state.Session?.ShiftNotice is { } notice && notice.Occurrence == occurrence ? notice : null;

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
