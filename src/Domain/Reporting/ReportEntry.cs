using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Domain;

namespace WorkSessions.Reporting;

/// <summary>
/// One event on its way to the report tables: what an outbox holds in grain state and what the report store inserts.
/// Flat and self-contained (it carries its tenant), so a batch can mix grains and tenants.
/// </summary>
internal sealed record ReportEntry(
    Guid EventId,
    string TenantId,
    string? AgentId,
    Guid? SessionId,
    DateTimeOffset At,
    string Kind,
    AgentStatus? From = null,
    AgentStatus? To = null,
    string? Reason = null,
    Actor? Actor = null,
    string? Note = null,
    DateTimeOffset? Deadline = null,
    WarningClearedCause? Cause = null,
    SessionRecord? Session = null,
    TenantPreferences? Preferences = null,
    string? TeamId = null,
    string? PreviousTeamId = null,
    Team? Team = null,
    DateTimeOffset? LimitAt = null,
    StatusLimitAction? LimitAction = null,
    DateTimeOffset? Since = null,
    DateTimeOffset? EndsAt = null,
    string? Action = null,
    DateTimeOffset? GoneSince = null)
{
    /// <summary>The entries of a stored transition, in order, each with the agent's team at the time.</summary>
    /// <param name="tenantId">The agent's tenant.</param>
    /// <param name="events">The transition's events.</param>
    /// <param name="after">
    /// The state after the transition: a session starts in the status it leaves the agent in, and every event of it
    /// happened in the team it leaves the agent in (a transition that moves the agent moves it before its events).
    /// </param>
    public static List<ReportEntry> FromTransition(string tenantId, IReadOnlyList<AgentEvent> events, AgentState after)
    {
        var teamId = after.Team?.TeamId;
        var entries = new List<ReportEntry>(events.Count);
        foreach (var agentEvent in events)
        {
            entries.Add(agentEvent switch
            {
                SessionStarted started => new ReportEntry(
                    started.EventId, tenantId, started.AgentId, started.SessionId, started.At, FeedEventKinds.SessionStarted,
                    To: after.Status, Reason: after.StatusReason, Actor: started.Actor, TeamId: teamId),
                StatusChanged changed => new ReportEntry(
                    changed.EventId, tenantId, changed.AgentId, changed.SessionId, changed.At, FeedEventKinds.StatusChanged,
                    changed.From, changed.To, changed.Reason, changed.Actor, TeamId: teamId),
                InactivityWarned warned => new ReportEntry(
                    warned.EventId, tenantId, warned.AgentId, warned.SessionId, warned.At, FeedEventKinds.InactivityWarning,
                    Actor: Actor.System, Deadline: warned.Deadline, TeamId: teamId),
                WarningCleared cleared => new ReportEntry(
                    cleared.EventId, tenantId, cleared.AgentId, cleared.SessionId, cleared.At, FeedEventKinds.WarningCleared,
                    Actor: cleared.Cause == WarningClearedCause.Continued ? Actor.Agent(cleared.AgentId) : Actor.System,
                    Cause: cleared.Cause, TeamId: teamId),
                SessionEnded ended => new ReportEntry(
                    ended.EventId, tenantId, ended.AgentId, ended.Record.SessionId, ended.At, FeedEventKinds.SessionEnded,
                    Reason: null, Actor: EndActor(ended.Record), Note: ended.Record.Note, Session: ended.Record, TeamId: teamId),
                StatusLimitWarned warned => new ReportEntry(
                    warned.EventId, tenantId, warned.AgentId, warned.SessionId, warned.At, FeedEventKinds.StatusLimitWarning,
                    Reason: warned.Reason, Actor: Actor.System, TeamId: teamId, LimitAt: warned.LimitAt),
                StatusLimitReached reached => new ReportEntry(
                    reached.EventId, tenantId, reached.AgentId, reached.SessionId, reached.At, FeedEventKinds.StatusLimitReached,
                    Reason: reached.Reason, Actor: Actor.System, TeamId: teamId, LimitAction: reached.Action, Since: reached.Since),
                ShiftEnding ending => new ReportEntry(
                    ending.EventId, tenantId, ending.AgentId, ending.SessionId, ending.At, FeedEventKinds.ShiftEnding,
                    Actor: Actor.System, TeamId: teamId, EndsAt: ending.EndsAt),
                ClientGone gone => new ReportEntry(
                    gone.EventId, tenantId, gone.AgentId, gone.SessionId, gone.At, FeedEventKinds.ClientGone,
                    Actor: Actor.System, TeamId: teamId, Action: System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(gone.Action.ToString()), GoneSince: gone.GoneSince),
                ClientBack back => new ReportEntry(
                    back.EventId, tenantId, back.AgentId, back.SessionId, back.At, FeedEventKinds.ClientBack,
                    Actor: Actor.System, TeamId: teamId, GoneSince: back.GoneSince),
                _ => throw new InvalidOperationException($"No report entry for {agentEvent.GetType().Name}."),
            });
        }

        return entries;
    }

    /// <summary>The entry of a preference change.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="preferences">The stored preferences with their new version.</param>
    public static ReportEntry PreferencesChanged(string tenantId, TenantPreferences preferences) => new(
        TimeOrderedIds.New(preferences.UpdatedAt ?? DateTimeOffset.UnixEpoch),
        tenantId,
        AgentId: null,
        SessionId: null,
        preferences.UpdatedAt ?? DateTimeOffset.UnixEpoch,
        FeedEventKinds.PreferencesChanged,
        Actor: preferences.UpdatedBy is null ? Actor.System : Actor.Admin(preferences.UpdatedBy),
        Preferences: preferences);

    /// <summary>The entry of a team created, replaced or deleted.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="team">The team with its new version; when deleted, as it was, with the delete's version and audit fields.</param>
    /// <param name="deleted">Whether the change deleted the team: the entry then holds no team.</param>
    public static ReportEntry TeamChanged(string tenantId, Team team, bool deleted) => new(
        TimeOrderedIds.New(team.UpdatedAt),
        tenantId,
        AgentId: null,
        SessionId: null,
        team.UpdatedAt,
        FeedEventKinds.TeamChanged,
        Actor: Actor.Admin(team.UpdatedBy),
        TeamId: team.TeamId,
        Team: deleted ? null : team);

    /// <summary>The entry of an agent joining, leaving or moving between teams.</summary>
    /// <param name="tenantId">The tenant.</param>
    /// <param name="agentId">The agent.</param>
    /// <param name="at">When.</param>
    /// <param name="previousTeamId">The team it left; null when it was in none.</param>
    /// <param name="teamId">The team it is in now; null when none.</param>
    /// <param name="by">The admin who changed it.</param>
    public static ReportEntry AgentTeamChanged(string tenantId, string agentId, DateTimeOffset at, string? previousTeamId, string? teamId, string by) => new(
        TimeOrderedIds.New(at),
        tenantId,
        agentId,
        SessionId: null,
        at,
        FeedEventKinds.AgentTeamChanged,
        Actor: Actor.Admin(by),
        TeamId: teamId,
        PreviousTeamId: previousTeamId);

    private static Actor EndActor(SessionRecord record) => record.EndReason switch
    {
        EndReason.AgentEnded => Actor.Agent(record.EndedBy ?? record.AgentId),
        EndReason.EndedBySupervisor => Actor.Supervisor(record.EndedBy ?? ""),
        EndReason.EndedByAdmin or EndReason.FeatureDisabled when record.EndedBy is not null => Actor.Admin(record.EndedBy),
        _ => Actor.System,
    };
}
