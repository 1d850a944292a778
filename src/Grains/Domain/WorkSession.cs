using WorkSessions.Contracts;

namespace WorkSessions.Domain;

/// <summary>
/// The agent's work-session state machine (DESIGN §3): every transition lives here, with no I/O and no
/// Orleans runtime. Each command reads the clock from <see cref="TimeProvider"/>, changes
/// <see cref="AgentSessionData"/> and returns the events that happened; a command the state does not
/// allow throws <see cref="WorkSessionException"/> and changes nothing.
/// </summary>
public sealed class WorkSession(string agentId, AgentSessionData data, TimeProvider timeProvider)
{
    private static readonly IReadOnlyList<AgentEvent> Nothing = [];

    public string AgentId => agentId;

    public AgentSessionData Data => data;

    /// <summary>True when the data changed in a way that must be persisted; plain activity never sets it.</summary>
    public bool HasUnsavedChanges { get; private set; }

    public SessionState State => data.Session switch
    {
        null => SessionState.None,
        { WarnedAt: null } => SessionState.Active,
        _ => SessionState.Warned,
    };

    public WorkSessionPreferences Preferences => data.Preferences.Preferences;

    /// <summary>When the prompt is due, or null when no inactivity clock runs (no session, auto-end off, engaged, or already warned).</summary>
    public DateTimeOffset? InactivityDeadline =>
        State == SessionState.Active && Preferences.WorkSessionsEnabled && Preferences.AutoEndEnabled && data.OpenEngagements.Count == 0
            ? data.Session!.LastActivityAt + Preferences.InactivityTimeout
            : null;

    /// <summary>When a pending prompt ends the session, or null.</summary>
    public DateTimeOffset? GraceDeadline => data.Session?.GraceDeadline;

    /// <summary>The earliest time at which <see cref="CheckDeadlines"/> has something to do.</summary>
    public DateTimeOffset? NextDeadline => GraceDeadline ?? InactivityDeadline;

    /// <summary>
    /// Whether a durable wake-up is needed: while a session is open, so that its deadlines survive a lost silo and
    /// the agent regularly tells the tenant it is there (which also repairs a preference push that was lost).
    /// </summary>
    public bool NeedsWakeUps => data.Session is not null;

    public void MarkSaved() => HasUnsavedChanges = false;

    public AgentView ToView()
    {
        var session = data.Session;
        return new AgentView(
            agentId,
            State,
            data.Status,
            data.StatusReason,
            session is null
                ? null
                : new SessionView(session.SessionId, session.StartedAt, session.LastActivityAt, session.PromptCount, session.ContinueCount, [.. data.OpenEngagements]),
            session is { WarnedAt: { } warnedAt, GraceDeadline: { } deadline } ? new PromptView(warnedAt, deadline) : null);
    }

    public IReadOnlyList<AgentEvent> Start(AgentStatus status, string? reason)
    {
        RequireEnabled();
        if (data.Session is not null)
        {
            return Nothing;
        }

        reason = ValidateOwnStatus(status, reason, offlineAllowed: false);

        var now = Now();
        var events = new List<AgentEvent>();
        data.Session = new OpenSession
        {
            SessionId = Guid.CreateVersion7(now),
            StartedAt = now,
            LastActivityAt = now,
            StatusSince = now,
        };
        events.Add(new SessionStarted(NewEventId(now), agentId, now, data.Session.SessionId, Actor.Agent(agentId)));
        SetOwnStatus(events, now, status, reason);
        HasUnsavedChanges = true;
        return events;
    }

    public void RecordActivity()
    {
        RequireEnabled();
        var session = RequireSession();

        // In warned the activity is remembered but the prompt stays: only Continue answers it.
        session.LastActivityAt = Later(session.LastActivityAt, Now());
    }

    public IReadOnlyList<AgentEvent> Continue()
    {
        RequireEnabled();
        var session = RequireSession();
        var now = Now();
        session.LastActivityAt = Later(session.LastActivityAt, now);
        if (State != SessionState.Warned)
        {
            return Nothing;
        }

        session.ContinueCount++;
        var events = new List<AgentEvent>();
        ClearWarning(events, now, WarningClearedCause.Continued);
        return events;
    }

    public IReadOnlyList<AgentEvent> SetStatus(AgentStatus status, string? reason)
    {
        var enabled = Preferences.WorkSessionsEnabled;
        reason = ValidateOwnStatus(status, reason, offlineAllowed: !enabled);
        var now = Now();
        if (enabled)
        {
            var session = RequireSession();
            session.LastActivityAt = Later(session.LastActivityAt, now);
        }

        var events = new List<AgentEvent>();
        SetOwnStatus(events, now, status, reason);
        return events;
    }

    public IReadOnlyList<AgentEvent> End(Actor actor, string? note)
    {
        RequireEnabled();
        RequireSession();
        var reason = actor.Role switch
        {
            ActorRole.Agent => EndReason.AgentEnded,
            ActorRole.Supervisor => EndReason.EndedBySupervisor,
            ActorRole.Admin => EndReason.EndedByAdmin,
            _ => throw new WorkSessionException(ErrorCodes.InvalidArgument, "Only an agent, a supervisor or an admin can end a session."),
        };

        var events = new List<AgentEvent>();
        EndSession(events, Now(), reason, actor.UserId ?? agentId, note);
        return events;
    }

    public IReadOnlyList<AgentEvent> BeginEngagement(string engagementId)
    {
        if (string.IsNullOrWhiteSpace(engagementId))
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, "An engagement id is required.");
        }

        if (Preferences.WorkSessionsEnabled)
        {
            RequireSession();
        }

        if (data.OpenEngagements.Contains(engagementId))
        {
            return Nothing;
        }

        var now = Now();
        var events = new List<AgentEvent>();
        data.OpenEngagements.Add(engagementId);
        HasUnsavedChanges = true;
        if (data.OpenEngagements.Count == 1)
        {
            data.StatusAfterEngagements = data.Status;
            data.ReasonAfterEngagements = data.StatusReason;
            ChangeStatus(events, now, AgentStatus.Occupied, null, Actor.System);
        }

        if (data.Session is { } session)
        {
            session.LastActivityAt = Later(session.LastActivityAt, now);
            if (State == SessionState.Warned)
            {
                ClearWarning(events, now, WarningClearedCause.EngagementBegan);
            }
        }

        return events;
    }

    public IReadOnlyList<AgentEvent> EndEngagement(string engagementId)
    {
        // An unknown id is the normal case for an engagement that outlived its session.
        if (engagementId is null || !data.OpenEngagements.Remove(engagementId))
        {
            return Nothing;
        }

        var now = Now();
        var events = new List<AgentEvent>();
        HasUnsavedChanges = true;
        if (data.OpenEngagements.Count == 0)
        {
            var fallback = data.Session is null ? AgentStatus.Offline : AgentStatus.Ready;
            ChangeStatus(events, now, data.StatusAfterEngagements ?? fallback, data.ReasonAfterEngagements, Actor.System);
            data.StatusAfterEngagements = null;
            data.ReasonAfterEngagements = null;
        }

        if (data.Session is { } session)
        {
            session.LastActivityAt = Later(session.LastActivityAt, now);
        }

        return events;
    }

    /// <summary>Acts on deadlines that have passed: shows the prompt, or ends the session after the grace period.</summary>
    public IReadOnlyList<AgentEvent> CheckDeadlines()
    {
        var now = Now();
        var events = new List<AgentEvent>();
        if (GraceDeadline is { } grace && now >= grace)
        {
            EndSession(events, now, EndReason.InactivityTimeout, endedBy: null, note: null);
        }
        else if (InactivityDeadline is { } inactivity && now >= inactivity)
        {
            Warn(events, now);
        }

        return events;
    }

    /// <summary>Applies the tenant's preferences; an older or equal version than the one held changes nothing.</summary>
    public IReadOnlyList<AgentEvent> ApplyPreferences(TenantPreferences preferences)
    {
        if (preferences.Version <= data.Preferences.Version)
        {
            return Nothing;
        }

        // Not a change to save by itself: an activation asks the tenant again, and without a session the grain
        // asks before each command. What the new values cause (an end, a warning) is saved with its events.
        var before = Preferences;
        data.Preferences = preferences;
        if (data.Session is null)
        {
            return Nothing;
        }

        var now = Now();
        var events = new List<AgentEvent>();
        if (before.WorkSessionsEnabled && !preferences.Preferences.WorkSessionsEnabled)
        {
            EndSession(events, now, EndReason.FeatureDisabled, preferences.UpdatedBy, note: null);
            return events;
        }

        if (State == SessionState.Warned && !preferences.Preferences.AutoEndEnabled)
        {
            ClearWarning(events, now, WarningClearedCause.AutoEndDisabled);
        }

        // A shorter timeout, or auto-end turned on, may put the deadline in the past: warn now,
        // which still leaves the agent the full grace period.
        events.AddRange(CheckDeadlines());
        return events;
    }

    /// <summary>
    /// Called when the grain activates with this data and the tenant's current preferences. After an outage
    /// (<paramref name="afterOutage"/>) the activation counts as activity and a grace period that ran out
    /// meanwhile starts again in full: no agent is logged out because the platform was down. Deadlines are
    /// then judged by the current preferences, not the ones stored with the session.
    /// </summary>
    public IReadOnlyList<AgentEvent> Activate(bool afterOutage, TenantPreferences? current = null)
    {
        var events = new List<AgentEvent>();
        if (afterOutage && data.Session is { } session)
        {
            var now = Now();
            session.LastActivityAt = Later(session.LastActivityAt, now);
            if (GraceDeadline is { } grace && grace <= now)
            {
                Warn(events, now);
            }
        }

        if (current is not null)
        {
            events.AddRange(ApplyPreferences(current));
        }

        events.AddRange(CheckDeadlines());
        return events;
    }

    /// <summary>
    /// Keeps activity this activation saw in memory when its state is reloaded after a failed write: the failed
    /// command is undone, the heartbeats before it are not.
    /// </summary>
    public void CarryOverActivity(Guid sessionId, DateTimeOffset lastActivityAt)
    {
        if (data.Session is { } session && session.SessionId == sessionId)
        {
            session.LastActivityAt = Later(session.LastActivityAt, lastActivityAt);
        }
    }

    private void SetOwnStatus(List<AgentEvent> events, DateTimeOffset now, AgentStatus status, string? reason)
    {
        if (data.OpenEngagements.Count > 0)
        {
            // Occupied belongs to the engagement; the agent's choice applies when it ends.
            if (data.StatusAfterEngagements != status || data.ReasonAfterEngagements != reason)
            {
                data.StatusAfterEngagements = status;
                data.ReasonAfterEngagements = reason;
                HasUnsavedChanges = true;
            }

            return;
        }

        ChangeStatus(events, now, status, reason, Actor.Agent(agentId));
    }

    private void ChangeStatus(List<AgentEvent> events, DateTimeOffset now, AgentStatus status, string? reason, Actor actor, Guid? endedSessionId = null)
    {
        if (data.Status == status && data.StatusReason == reason)
        {
            return;
        }

        AccrueStatusTime(now);
        var from = data.Status;
        data.Status = status;
        data.StatusReason = reason;
        HasUnsavedChanges = true;
        events.Add(new StatusChanged(NewEventId(now), agentId, now, data.Session?.SessionId ?? endedSessionId, from, status, reason, actor));
    }

    private void Warn(List<AgentEvent> events, DateTimeOffset now)
    {
        var session = data.Session!;
        session.WarnedAt = now;
        session.GraceDeadline = now + Preferences.GracePeriod;
        session.PromptCount++;
        HasUnsavedChanges = true;
        events.Add(new InactivityWarned(NewEventId(now), agentId, now, session.SessionId, session.GraceDeadline.Value));
    }

    private void ClearWarning(List<AgentEvent> events, DateTimeOffset now, WarningClearedCause cause)
    {
        var session = data.Session!;
        session.WarnedAt = null;
        session.GraceDeadline = null;
        HasUnsavedChanges = true;
        events.Add(new WarningCleared(NewEventId(now), agentId, now, session.SessionId, cause));
    }

    private void EndSession(List<AgentEvent> events, DateTimeOffset now, EndReason reason, string? endedBy, string? note)
    {
        var session = data.Session!;
        AccrueStatusTime(now);
        var record = new SessionRecord(
            session.SessionId,
            agentId,
            session.StartedAt,
            now,
            reason,
            endedBy,
            session.PromptCount,
            session.ContinueCount,
            session.ReadySeconds,
            session.NotReadySeconds,
            session.OccupiedSeconds,
            note);
        data.Session = null;
        HasUnsavedChanges = true;
        events.Add(new SessionEnded(NewEventId(now), agentId, now, record));

        // The feature is gone, not the agent: after featureDisabled status and engagements stay as they are.
        if (reason != EndReason.FeatureDisabled)
        {
            data.OpenEngagements.Clear();
            data.StatusAfterEngagements = null;
            data.ReasonAfterEngagements = null;
            var actor = endedBy is null ? Actor.System : new Actor(ActorRoleFor(reason), endedBy);
            ChangeStatus(events, now, AgentStatus.Offline, null, actor, record.SessionId);
        }
    }

    private static ActorRole ActorRoleFor(EndReason reason) => reason switch
    {
        EndReason.EndedBySupervisor => ActorRole.Supervisor,
        EndReason.EndedByAdmin or EndReason.FeatureDisabled => ActorRole.Admin,
        EndReason.AgentEnded => ActorRole.Agent,
        _ => ActorRole.System,
    };

    private void AccrueStatusTime(DateTimeOffset now)
    {
        if (data.Session is not { } session)
        {
            return;
        }

        var seconds = Math.Max(0, (now - session.StatusSince).TotalSeconds);
        switch (data.Status)
        {
            case AgentStatus.Ready:
                session.ReadySeconds += seconds;
                break;
            case AgentStatus.NotReady:
                session.NotReadySeconds += seconds;
                break;
            case AgentStatus.Occupied:
                session.OccupiedSeconds += seconds;
                break;
        }

        session.StatusSince = now;
    }

    private static string? ValidateOwnStatus(AgentStatus status, string? reason, bool offlineAllowed)
    {
        switch (status)
        {
            case AgentStatus.Ready:
                return null;
            case AgentStatus.NotReady when string.IsNullOrWhiteSpace(reason):
                throw WorkSessionException.InvalidStatus("Not ready needs a reason code.");
            case AgentStatus.NotReady:
                return reason;
            case AgentStatus.Offline when offlineAllowed:
                return null;
            case AgentStatus.Offline:
                throw WorkSessionException.InvalidStatus("End the work session to go offline.");
            case AgentStatus.Occupied:
                throw WorkSessionException.InvalidStatus("Occupied is set by the system while an engagement is open.");
            default:
                throw WorkSessionException.InvalidStatus($"'{status}' is not a status.");
        }
    }

    private void RequireEnabled()
    {
        if (!Preferences.WorkSessionsEnabled)
        {
            throw WorkSessionException.Disabled();
        }
    }

    private OpenSession RequireSession() => data.Session ?? throw WorkSessionException.NoOpenSession();

    private DateTimeOffset Now() => timeProvider.GetUtcNow();

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static Guid NewEventId(DateTimeOffset now) => Guid.CreateVersion7(now);
}
