using System.Collections.Immutable;

namespace WorkSessions.Contracts.Reports;

/// <summary>
/// A work session as the sessions report shows it: the session record of docs/http-api.md, with <c>EndedAt</c>,
/// <c>EndReason</c> and <c>EndedBy</c> null while it is open and its seconds counted up to now.
/// </summary>
/// <param name="SessionId">The session's id.</param>
/// <param name="AgentId">The agent's id.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="EndedAt">When it ended; null while open.</param>
/// <param name="EndReason">Why it ended; null while open.</param>
/// <param name="EndedBy">Who ended it; null while open and for an inactivity timeout.</param>
/// <param name="PromptCount">Inactivity prompts shown.</param>
/// <param name="ContinueCount">Prompts answered with Continue.</param>
/// <param name="ReadySeconds">Seconds ready.</param>
/// <param name="NotReadySeconds">Seconds not ready.</param>
/// <param name="OccupiedSeconds">Seconds occupied.</param>
/// <param name="Note">The note left by a supervisor or admin who ended it.</param>
/// <param name="TeamId">The team the agent was in when the session started; null for none.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.SessionReportItem")]
public sealed record SessionReportItem(
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] string AgentId,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] DateTimeOffset? EndedAt,
    [property: Id(4)] EndReason? EndReason,
    [property: Id(5)] string? EndedBy,
    [property: Id(6)] int PromptCount,
    [property: Id(7)] int ContinueCount,
    [property: Id(8)] double ReadySeconds,
    [property: Id(9)] double NotReadySeconds,
    [property: Id(10)] double OccupiedSeconds,
    [property: Id(11)] string? Note,
    [property: Id(12)] string? TeamId = null);

/// <summary>
/// One agent's local day: time is cut at the range bounds and at local midnight of the report's time zone, so a
/// night shift splits over two days and every second is counted once; open sessions count up to now.
/// </summary>
/// <param name="AgentId">The agent.</param>
/// <param name="Date">The local date.</param>
/// <param name="Sessions">Sessions with time on this day (a night shift counts on both days).</param>
/// <param name="SessionSeconds">Seconds in a session on this day.</param>
/// <param name="ReadySeconds">Of those, ready.</param>
/// <param name="NotReadySeconds">Of those, not ready.</param>
/// <param name="NotReadyByReason">Not-ready seconds by reason code.</param>
/// <param name="OccupiedSeconds">Of those, occupied.</param>
/// <param name="Prompts">Inactivity prompts shown on this day.</param>
/// <param name="Continues">Prompts answered with Continue on this day.</param>
/// <param name="AutoEnds">Sessions ended for inactivity on this day.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.TimecardRow")]
public sealed record TimecardRow(
    [property: Id(0)] string AgentId,
    [property: Id(1)] DateOnly Date,
    [property: Id(2)] int Sessions,
    [property: Id(3)] double SessionSeconds,
    [property: Id(4)] double ReadySeconds,
    [property: Id(5)] double NotReadySeconds,
    [property: Id(6)] IReadOnlyDictionary<string, double> NotReadyByReason,
    [property: Id(7)] double OccupiedSeconds,
    [property: Id(8)] int Prompts,
    [property: Id(9)] int Continues,
    [property: Id(10)] int AutoEnds);

/// <summary>One status change of an agent, with who made it; the system (engagements, auto-end) has no user id.</summary>
/// <param name="EventId">The event's id.</param>
/// <param name="At">When.</param>
/// <param name="SessionId">The session it belongs to, or null.</param>
/// <param name="From">The status before.</param>
/// <param name="To">The status after.</param>
/// <param name="Reason">The not-ready reason of the new status.</param>
/// <param name="Actor">Who changed it.</param>
/// <param name="TeamId">The agent's team when it changed; null for none.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.StatusHistoryItem")]
public sealed record StatusHistoryItem(
    [property: Id(0)] Guid EventId,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] Guid? SessionId,
    [property: Id(3)] AgentStatus From,
    [property: Id(4)] AgentStatus To,
    [property: Id(5)] string? Reason,
    [property: Id(6)] Actor Actor,
    [property: Id(7)] string? TeamId = null);

/// <summary>Open work sessions during one interval: the most at any instant, and the time-weighted average.</summary>
/// <param name="Start">The interval's start.</param>
/// <param name="Peak">The most sessions open at once.</param>
/// <param name="Average">Open sessions averaged over the interval.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.ConcurrencyRow")]
public sealed record ConcurrencyRow(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] int Peak,
    [property: Id(2)] double Average);

/// <summary>One change of the tenant's preferences: its version, when, who, and the values it set.</summary>
/// <param name="Version">The version it created.</param>
/// <param name="UpdatedAt">When.</param>
/// <param name="UpdatedBy">The admin's user id.</param>
/// <param name="WorkSessionsEnabled">The new value.</param>
/// <param name="AutoEndEnabled">The new value.</param>
/// <param name="InactivityTimeoutSeconds">The new value.</param>
/// <param name="GracePeriodSeconds">The new value.</param>
/// <param name="NotReadyReasons">The new value; the defaults for changes made before tenants had reasons of their own.</param>
/// <param name="SupervisorScope">The new value; <c>tenant</c> for changes made before the field existed.</param>
/// <param name="NotReadyLimits">The new value; none for changes made before the field existed.</param>
/// <param name="ClientGoneSeconds">The new value; null (off) for changes made before the field existed.</param>
/// <param name="ClientGoneAction">The new value; <c>notReady</c> for changes made before the field existed.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.PreferenceChange")]
public sealed record PreferenceChange(
    [property: Id(0)] long Version,
    [property: Id(1)] DateTimeOffset UpdatedAt,
    [property: Id(2)] string? UpdatedBy,
    [property: Id(3)] bool WorkSessionsEnabled,
    [property: Id(4)] bool AutoEndEnabled,
    [property: Id(5)] int InactivityTimeoutSeconds,
    [property: Id(6)] int GracePeriodSeconds,
    [property: Id(7)] ImmutableArray<string> NotReadyReasons,
    [property: Id(8)] SupervisorScope SupervisorScope = SupervisorScope.Tenant,
    [property: Id(9)] IReadOnlyList<NotReadyLimit>? NotReadyLimits = null,
    [property: Id(10)] int? ClientGoneSeconds = null,
    [property: Id(11)] ClientGoneAction ClientGoneAction = ClientGoneAction.NotReady)
{
    /// <summary>Equal when every value is, the reasons compared in order (an array compares by reference).</summary>
    /// <param name="other">The change to compare with.</param>
    public bool Equals(PreferenceChange? other) =>
        other is not null
        && (Version, UpdatedAt, UpdatedBy, WorkSessionsEnabled, AutoEndEnabled, InactivityTimeoutSeconds, GracePeriodSeconds, SupervisorScope, ClientGoneSeconds, ClientGoneAction)
            == (other.Version, other.UpdatedAt, other.UpdatedBy, other.WorkSessionsEnabled, other.AutoEndEnabled, other.InactivityTimeoutSeconds, other.GracePeriodSeconds, other.SupervisorScope, other.ClientGoneSeconds, other.ClientGoneAction)
        && NotReadyReasons.AsSpan().SequenceEqual(other.NotReadyReasons.AsSpan())
        && (NotReadyLimits ?? []).SequenceEqual(other.NotReadyLimits ?? []);

    /// <summary>A hash consistent with <see cref="Equals(PreferenceChange?)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine(Version, UpdatedAt, UpdatedBy, WorkSessionsEnabled, AutoEndEnabled, InactivityTimeoutSeconds, GracePeriodSeconds);
}

/// <summary>The kinds of event in the tenant's feed.</summary>
public static class FeedEventKinds
{
    /// <summary>A work session started.</summary>
    public const string SessionStarted = "session-started";

    /// <summary>A work session ended; <see cref="FeedEvent.Session"/> holds the record.</summary>
    public const string SessionEnded = "session-ended";

    /// <summary>An agent's status changed.</summary>
    public const string StatusChanged = "status-changed";

    /// <summary>The inactivity prompt was shown; <see cref="FeedEvent.Deadline"/> is the grace deadline.</summary>
    public const string InactivityWarning = "inactivity-warning";

    /// <summary>A pending prompt went away; <see cref="FeedEvent.Cause"/> says why.</summary>
    public const string WarningCleared = "warning-cleared";

    /// <summary>An admin changed the preferences; <see cref="FeedEvent.Preferences"/> holds them.</summary>
    public const string PreferencesChanged = "preferences-changed";

    /// <summary>
    /// An admin created, replaced or deleted a team: <see cref="FeedEvent.TeamId"/> names it, <see cref="FeedEvent.Team"/>
    /// holds it (null when deleted).
    /// </summary>
    public const string TeamChanged = "team-changed";

    /// <summary>
    /// An agent joined, left or moved between teams: <see cref="FeedEvent.TeamId"/> is its team now (null: none),
    /// <see cref="FeedEvent.PreviousTeamId"/> the one before.
    /// </summary>
    public const string AgentTeamChanged = "agent-team-changed";

    /// <summary>
    /// An agent's time in a not-ready reason nears its limit: <see cref="FeedEvent.Reason"/> is the reason,
    /// <see cref="FeedEvent.LimitAt"/> the limit.
    /// </summary>
    public const string StatusLimitWarning = "status-limit-warning";

    /// <summary>
    /// An agent's time in a not-ready reason passed its limit: <see cref="FeedEvent.Reason"/>, <see cref="FeedEvent.Action"/>
    /// (<c>alert</c>, or <c>endSession</c> and a <c>session-ended</c> with <c>statusLimit</c> follows) and <see cref="FeedEvent.Since"/>.
    /// </summary>
    public const string StatusLimitReached = "status-limit-reached";

    /// <summary>The agent's shift ends soon: <see cref="FeedEvent.EndsAt"/> is when its session ends <c>shiftEnded</c>.</summary>
    public const string ShiftEnding = "shift-ending";

    /// <summary>
    /// An agent's client had no event stream open for <c>clientGoneSeconds</c> and the action was taken:
    /// <see cref="FeedEvent.Action"/> says which, <see cref="FeedEvent.GoneSince"/> since when.
    /// </summary>
    public const string ClientGone = "client-gone";

    /// <summary>A stream opened again for an agent whose client had been judged gone; <see cref="FeedEvent.GoneSince"/> since when.</summary>
    public const string ClientBack = "client-back";

    /// <summary>Every kind, in the order above.</summary>
    public static IReadOnlyList<string> All { get; } = [SessionStarted, SessionEnded, StatusChanged, InactivityWarning, WarningCleared, PreferencesChanged, TeamChanged, AgentTeamChanged, StatusLimitWarning, StatusLimitReached, ShiftEnding, ClientGone, ClientBack];
}

/// <summary>
/// One event of the tenant's feed. <see cref="Position"/> only grows within a tenant and a reader that resumes after
/// the last position it saw misses nothing and sees nothing twice.
/// </summary>
/// <param name="Position">The event's place in the tenant's feed.</param>
/// <param name="EventId">The event's id.</param>
/// <param name="At">When it happened.</param>
/// <param name="Kind">One of <see cref="FeedEventKinds"/>.</param>
/// <param name="AgentId">The agent; null for preference and team changes.</param>
/// <param name="SessionId">The session, when one is involved.</param>
/// <param name="From">For a status change (and a session start: offline), the status before.</param>
/// <param name="To">For a status change, and for a session start the status it started in.</param>
/// <param name="Reason">The not-ready reason of <see cref="To"/>.</param>
/// <param name="Actor">Who did it.</param>
/// <param name="Note">A supervisor's or admin's note on ending a session.</param>
/// <param name="Deadline">For an inactivity warning: when the session ends unless the agent continues.</param>
/// <param name="Cause">For a cleared warning: why.</param>
/// <param name="Session">For a session end: the session record.</param>
/// <param name="Preferences">For a preference change: the new preferences.</param>
/// <param name="TeamId">
/// For an agent's event, its team at the time (null: none; a session's end names the team the agent is in then, its
/// <see cref="SessionRecord.TeamId"/> the one it started in); for a team change, the team; for an agent's team change,
/// its team now (null: none).
/// </param>
/// <param name="PreviousTeamId">For an agent's team change, the team it left (null: none).</param>
/// <param name="Team">For a team change, the team as stored; null when it was deleted.</param>
/// <param name="LimitAt">For a not-ready limit's warning: when the limit is reached.</param>
/// <param name="Action">
/// A wire name: for a not-ready limit reached, <c>alert</c> or <c>endSession</c>; for a client gone, <c>notReady</c> or
/// <c>endSession</c>.
/// </param>
/// <param name="Since">For a not-ready limit reached: since when the agent has been not ready for the reason.</param>
/// <param name="EndsAt">For a shift's end announced: when the session ends.</param>
/// <param name="GoneSince">For a client gone or back: when the client had gone.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.FeedEvent")]
public sealed record FeedEvent(
    [property: Id(0)] long Position,
    [property: Id(1)] Guid EventId,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string Kind,
    [property: Id(4)] string? AgentId,
    [property: Id(5)] Guid? SessionId,
    [property: Id(6)] AgentStatus? From,
    [property: Id(7)] AgentStatus? To,
    [property: Id(8)] string? Reason,
    [property: Id(9)] Actor? Actor,
    [property: Id(10)] string? Note,
    [property: Id(11)] DateTimeOffset? Deadline,
    [property: Id(12)] WarningClearedCause? Cause,
    [property: Id(13)] SessionRecord? Session,
    [property: Id(14)] TenantPreferences? Preferences,
    [property: Id(15)] string? TeamId = null,
    [property: Id(16)] string? PreviousTeamId = null,
    [property: Id(17)] Team? Team = null,
    [property: Id(20)] DateTimeOffset? LimitAt = null,
    [property: Id(21)] string? Action = null,
    [property: Id(22)] DateTimeOffset? Since = null,
    [property: Id(23)] DateTimeOffset? EndsAt = null,
    [property: Id(19)] DateTimeOffset? GoneSince = null);
