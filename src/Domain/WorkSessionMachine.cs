using WorkSessions.Contracts;
using WorkSessions.Domain.Limits;
using WorkSessions.Domain.Presence;

namespace WorkSessions.Domain;

/// <summary>
/// The agent's work-session state machine (docs/architecture.md#state-machine): every transition lives here,
/// with no I/O and no Orleans runtime. One way in: <see cref="Decide"/> takes a <see cref="WorkSessionCommand"/>, the
/// state and the clock and returns the new state and the events, leaving the given state as it was; the grain keeps
/// the result only once it is stored. A heartbeat follows the same rule through the cheaper
/// <see cref="RecordActivity"/>. A command the state does not allow throws <see cref="WorkSessionException"/>.
/// </summary>
/// <remarks>
/// The whole machine, state × command → result (<c>off</c> = the tenant has work sessions turned off):
/// <code>
/// none    Start                 → active, status as asked: SessionStarted, StatusChanged   (off: work_sessions_disabled)
/// none    Activity/Continue/End → no_open_session                                          (off: work_sessions_disabled)
/// none    SetStatus             → no_open_session; off: status changes, offline allowed
/// none    BeginEngagement       → no_open_session; off: occupied, no session involved
/// none    EndEngagement         → no-op (the call outlived the session); off: back to the status before
/// none    Deadlines, Activate   → nothing
/// active  Start                 → the open session, unchanged
/// active  Activity              → lastActivity = now, in memory only
/// active  Continue              → lastActivity = now (a double click, a race with the timer)
/// active  SetStatus             → StatusChanged; counts as activity
/// active  End                   → none: SessionEnded(agentEnded | endedBySupervisor | endedByAdmin), StatusChanged(offline)
/// active  BeginEngagement       → occupied, inactivity clock paused
/// active  EndEngagement         → the status before; lastActivity = now
/// active  inactivity deadline   → warned: InactivityWarned, grace deadline = now + grace (auto-end on, no engagement)
/// active  Activate              → lastActivity = now (the platform's gap counts as activity), then deadlines
/// warned  Start                 → the open session, unchanged
/// warned  Activity              → recorded; the prompt stays
/// warned  Continue              → active: WarningCleared(continued)
/// warned  SetStatus             → StatusChanged; the prompt stays
/// warned  End                   → as in active
/// warned  BeginEngagement       → occupied: WarningCleared(engagementBegan)
/// warned  grace deadline        → none: SessionEnded(inactivityTimeout), StatusChanged(offline)
/// warned  Activate              → a grace deadline that passed meanwhile starts again in full: InactivityWarned
/// open    limits (SessionLimits)→ StatusLimitWarned, StatusLimitReached (endSession: SessionEnded(statusLimit)); ShiftEnding,
///                                 SessionEnded(shiftEnded) — never with an engagement open: checked again when it ends
/// open    ClientConnected       → a client judged gone is back: ClientBack; otherwise memory only
/// open    ClientAbsent          → memory only; clientGoneSeconds later, no engagement open: ClientGone, then
///                                 StatusChanged(notReady, Disconnected) or SessionEnded(clientGone) (ClientPresenceRule)
/// any     Preferences, Team     → feature off: SessionEnded(featureDisabled), status kept; auto-end off in warned:
///                                 WarningCleared(autoEndDisabled); a shorter timeout already past: InactivityWarned;
///                                 a longer grace period in warned: the prompt's deadline moves to warnedAt + grace
///                                 (a shorter one leaves it: never end without the full grace period)
/// </code>
/// Every recorded time is at least <see cref="AgentState.LatestRecordedAt"/> and the open session's own times, so
/// a clock that moved backwards cannot break <c>startedAt ≤ warnedAt &lt; endedAt</c>; deadlines are judged by
/// the clock itself, so none fires early.
/// </remarks>
internal static class WorkSessionMachine
{
    private static readonly IReadOnlyList<AgentEvent> Nothing = [];

    /// <summary>
    /// Runs <paramref name="command"/> on a copy of <paramref name="current"/>, which stays as it was: the grain
    /// swaps the new state in only once it is stored (when <see cref="Transition.MustWrite"/>), so a failed write
    /// or a rejected command leaves nothing half-applied.
    /// </summary>
    /// <param name="agentId">The agent's id within the tenant.</param>
    /// <param name="current">The state as the grain holds it now.</param>
    /// <param name="command">What to do.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="checkpoint">When the stored state's activity time counts as stale.</param>
    public static Transition Decide(
        string agentId,
        AgentState current,
        WorkSessionCommand command,
        TimeProvider timeProvider,
        ActivityCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(command);
        var step = new Step(agentId, current.Copy(), timeProvider);
        var events = step.Run(command);
        return new Transition(step.Data, events, step.HasUnsavedChanges || checkpoint.IsDue(step.Data));
    }

    /// <summary>
    /// A heartbeat (docs/architecture.md#heartbeat-path): the state with the open session's activity moved to now,
    /// <paramref name="current"/> untouched. The same rule as <see cref="WorkSessionCommand.Activity"/> through
    /// <see cref="Decide"/>, without what a heartbeat never needs — events, a transition, a copy of the engagement list —
    /// so the hottest call allocates two small objects: the new state and its session.
    /// </summary>
    /// <exception cref="WorkSessionException">The feature is off, or no session is open.</exception>
    public static AgentState RecordActivity(AgentState current, TimeProvider timeProvider)
    {
        if (!current.Preferences.Preferences.WorkSessionsEnabled)
        {
            throw WorkSessionException.Disabled();
        }

        var session = current.Session ?? throw WorkSessionException.NoOpenSession();

        // In warned the activity is remembered but the prompt stays: only Continue answers it.
        var lastActivityAt = TimeToRecord(current, timeProvider.GetUtcNow());
        if (lastActivityAt == session.LastActivityAt)
        {
            return current;
        }

        var next = current.WithSession(session.Copy());
        next.Session!.LastActivityAt = lastActivityAt;
        return next;
    }

    /// <summary>Where the agent's session is: none, active, or warned.</summary>
    public static SessionState StateOf(AgentState state) => state.Session switch
    {
        null => SessionState.None,
        { WarnedAt: null } => SessionState.Active,
        _ => SessionState.Warned,
    };

    /// <summary>When the prompt is due, or null when no inactivity clock runs (no session, auto-end off, engaged, or already warned).</summary>
    public static DateTimeOffset? InactivityDeadline(AgentState state)
    {
        var preferences = EffectivePreferences(state);
        return StateOf(state) == SessionState.Active && preferences.WorkSessionsEnabled && preferences.AutoEndEnabled && state.OpenEngagements.Count == 0
            ? state.Session!.LastActivityAt + preferences.InactivityTimeout
            : null;
    }

    /// <summary>
    /// The preferences the agent's deadlines are judged by: its team's overrides over its tenant's
    /// (docs/architecture.md#teams).
    /// </summary>
    public static WorkSessionPreferences EffectivePreferences(AgentState state) =>
        TeamRules.EffectiveValues(state.Preferences.Preferences, state.Team);

    /// <summary>The earliest time at which <see cref="WorkSessionCommand.CheckDeadlines"/> has something to do.</summary>
    public static DateTimeOffset? NextDeadline(AgentState state) =>
        NextDeadline(state, EffectivePreferences(state));

    private static DateTimeOffset? NextDeadline(AgentState state, WorkSessionPreferences preferences) =>
        Earlier(
            Earlier(state.Session?.GraceDeadline ?? InactivityDeadline(state), SessionLimits.NextDeadline(state, preferences)),
            ClientPresenceRule.Deadline(state, preferences));

    /// <summary>
    /// Whether a durable wake-up is needed: while a session is open, so that its deadlines survive a lost silo and
    /// the agent regularly tells the tenant it is there (which also repairs a preference push that was lost).
    /// </summary>
    public static bool NeedsWakeUps(AgentState state) => state.Session is not null;

    /// <summary>
    /// The agent as callers see it. The session's time per status is given as of the instant its current status began,
    /// so the view needs no clock and a reader adds only the time since then, in the current status.
    /// </summary>
    public static AgentView View(string agentId, AgentState state)
    {
        var session = state.Session;
        return new AgentView(
            agentId,
            StateOf(state),
            state.Status,
            state.StatusReason,
            session is null
                ? null
                : new SessionView(
                    session.SessionId,
                    session.StartedAt,
                    session.LastActivityAt,
                    session.PromptCount,
                    session.ContinueCount,
                    [.. state.OpenEngagements],
                    new StatusTimeView(session.StatusSince, session.ReadySeconds, session.NotReadySeconds, session.OccupiedSeconds)),
            session is { WarnedAt: { } warnedAt, GraceDeadline: { } deadline } ? new PromptView(warnedAt, deadline) : null,
            state.Team?.TeamId);
    }

    /// <summary>
    /// The time to record: <paramref name="clock"/>, but never before a time this agent already recorded, so a clock that
    /// moved backwards cannot make recorded times run backwards.
    /// </summary>
    private static DateTimeOffset TimeToRecord(AgentState state, DateTimeOffset clock)
    {
        var now = clock;
        if (state.LatestRecordedAt is { } latest)
        {
            now = Later(now, latest);
        }

        if (state.Session is { } session)
        {
            now = Later(now, Later(session.LastActivityAt, session.StatusSince));
            if (session.WarnedAt is { } warnedAt)
            {
                now = Later(now, warnedAt);
            }
        }

        return now;
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset? Earlier(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null || a < b ? a : b;

    /// <summary>One command's run over a copy of the state: the rules of the table above, the only code that changes an <see cref="AgentState"/>.</summary>
    private sealed class Step(string agentId, AgentState data, TimeProvider timeProvider)
    {
        public AgentState Data => data;

        /// <summary>True when the data changed in a way that must be persisted; plain activity never sets it.</summary>
        public bool HasUnsavedChanges { get; private set; }

        private SessionState State => StateOf(data);

        private WorkSessionPreferences Preferences => EffectivePreferences(data);

        private DateTimeOffset? InactivityDeadline => WorkSessionMachine.InactivityDeadline(data);

        private DateTimeOffset? GraceDeadline => data.Session?.GraceDeadline;

        public IReadOnlyList<AgentEvent> Run(WorkSessionCommand command) => command switch
        {
            WorkSessionCommand.Start start => Start(start.Status, start.Reason),
            WorkSessionCommand.Activity => RecordActivity(),
            WorkSessionCommand.Continue => Continue(),
            WorkSessionCommand.SetStatus set => SetStatus(set.Status, set.Reason),
            WorkSessionCommand.End end => End(end.Actor, end.Note),
            WorkSessionCommand.BeginEngagement begin => BeginEngagement(begin.EngagementId),
            WorkSessionCommand.EndEngagement end => EndEngagement(end.EngagementId),
            WorkSessionCommand.CheckDeadlines => CheckDeadlines(),
            WorkSessionCommand.ApplyPreferences apply => AdoptPreferences(apply.Preferences, data.Team, apply.ActOnDeadlines),
            WorkSessionCommand.ApplyTeam apply => AdoptPreferences(data.Preferences, apply.Team, checkDeadlines: true),
            WorkSessionCommand.Activate activate => [.. Activate(activate.Preferences), .. Run(activate.Then)],
            WorkSessionCommand.ClientConnected => ClientConnected(),
            WorkSessionCommand.ClientAbsent absent => ClientAbsent(absent.Since),
            WorkSessionCommand.None => Nothing,
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Not a work-session command."),
        };

        private IReadOnlyList<AgentEvent> Start(AgentStatus status, string? reason)
        {
            reason = InputRules.ReasonCode(reason);
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
                SessionId = TimeOrderedIds.New(now),
                StartedAt = now,
                TeamId = data.Team?.TeamId,
                LastActivityAt = now,
                StatusSince = now,
            };
            Record(events, new SessionStarted(NewEventId(now), agentId, now, data.Session.SessionId, Actor.Agent(agentId)));
            SetOwnStatus(events, now, status, reason);
            HasUnsavedChanges = true;

            // A session started inside its shift's warning is told at once.
            CheckLimits(events, Clock());
            return events;
        }

        private IReadOnlyList<AgentEvent> RecordActivity()
        {
            data = WorkSessionMachine.RecordActivity(data, timeProvider);
            return Nothing;
        }

        private IReadOnlyList<AgentEvent> Continue()
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

        private IReadOnlyList<AgentEvent> SetStatus(AgentStatus status, string? reason)
        {
            reason = InputRules.ReasonCode(reason);
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

        private IReadOnlyList<AgentEvent> End(Actor actor, string? note)
        {
            actor = InputRules.Actor(actor);
            note = InputRules.Note(note);
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

        private IReadOnlyList<AgentEvent> BeginEngagement(string engagementId)
        {
            engagementId = InputRules.EngagementId(engagementId);

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

        private IReadOnlyList<AgentEvent> EndEngagement(string engagementId)
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

                // A limit's end, or a client-gone action, that waited for the engagement comes now.
                events.AddRange(CheckDeadlines());
            }

            return events;
        }

        private IReadOnlyList<AgentEvent> ClientConnected()
        {
            data.ClientAbsentSince = null;
            if (data.Session is not { ClientGoneSince: { } goneSince } session)
            {
                return Nothing;
            }

            var now = Now();
            session.ClientGoneSince = null;
            var events = new List<AgentEvent>();
            Record(events, new ClientBack(NewEventId(now), agentId, now, session.SessionId, goneSince));
            return events;
        }

        private IReadOnlyList<AgentEvent> ClientAbsent(DateTimeOffset since)
        {
            data.ClientAbsentSince = since;
            var events = new List<AgentEvent>();
            ActOnClientGone(events);
            return events;
        }

        /// <summary>Takes the client-gone action when <see cref="ClientPresenceRule"/> says it is due.</summary>
        private void ActOnClientGone(List<AgentEvent> events)
        {
            var preferences = Preferences;
            if (!ClientPresenceRule.IsDue(data, preferences, Clock()))
            {
                return;
            }

            var session = data.Session!;
            var now = Now();
            var goneSince = ClientPresenceRule.GoneSince(data, session);
            session.ClientGoneSince = goneSince;
            Record(events, new ClientGone(NewEventId(now), agentId, now, session.SessionId, preferences.ClientGoneAction, goneSince));
            if (preferences.ClientGoneAction == ClientGoneAction.EndSession)
            {
                EndSession(events, now, EndReason.ClientGone, endedBy: null, note: null);
            }
            else
            {
                ChangeStatus(events, now, AgentStatus.NotReady, ClientPresenceRule.DisconnectedReason, Actor.System);
            }
        }

        /// <summary>Acts on deadlines that have passed: shows the prompt, or ends the session after the grace period.</summary>
        private IReadOnlyList<AgentEvent> CheckDeadlines()
        {
            var clock = Clock();
            var events = new List<AgentEvent>();
            if (GraceDeadline is { } grace && clock >= grace)
            {
                EndSession(events, Now(), EndReason.InactivityTimeout, endedBy: null, note: null);
            }
            else if (InactivityDeadline is { } inactivity && clock >= inactivity)
            {
                Warn(events, Now());
            }

            CheckLimits(events, clock);
            ActOnClientGone(events);
            return events;
        }

        /// <summary>Not-ready limits and the shift's end (docs/architecture.md#limits): their warnings, and the end they call for.</summary>
        private void CheckLimits(List<AgentEvent> events, DateTimeOffset clock)
        {
            var now = Now();
            var found = new List<AgentEvent>();
            var end = SessionLimits.Check(agentId, data, Preferences, clock, now, found);
            found.ForEach(limitEvent => Record(events, limitEvent));
            if (end is { } reason)
            {
                EndSession(events, now, reason, endedBy: null, note: null);
            }
        }

        /// <summary>
        /// The grain activated with this state and the tenant's current preferences (docs/architecture.md#recovery-rule).
        /// Whatever ended the previous activation — a crash, a lost silo, a graceful shutdown, a rebalancing — the
        /// activation counts as activity, and a grace period that ran out while no activation was running starts
        /// again in full: no agent is logged out because the platform was down. Deadlines are judged by
        /// <paramref name="current"/>, never by the preferences stored with the state.
        /// </summary>
        private List<AgentEvent> Activate(TenantPreferences current)
        {
            var events = AdoptPreferences(current, data.Team, checkDeadlines: false);
            if (data.Session is { } session)
            {
                var now = Now();
                session.LastActivityAt = Later(session.LastActivityAt, now);
                if (GraceDeadline is { } grace && grace <= Clock())
                {
                    Warn(events, now);
                }

                events.AddRange(CheckDeadlines());
            }

            return events;
        }

        /// <summary>
        /// Takes the tenant's preferences and the agent's team and acts on what changed in the effective preferences
        /// (docs/architecture.md#teams): turning the feature off ends the session, turning auto-end off withdraws a
        /// prompt, a longer grace period extends a pending prompt to its full length, and a shorter timeout or auto-end
        /// turned on may put the deadline in the past, which warns now and still leaves the full grace period. Adopting
        /// the tenant's values is no change to save by itself (an activation asks the tenant again); a change of the team
        /// is (an activation must know which team to ask); what they cause is saved with its events.
        /// </summary>
        private List<AgentEvent> AdoptPreferences(TenantPreferences current, TeamMembership? team, bool checkDeadlines)
        {
            var events = new List<AgentEvent>();
            if (current == data.Preferences && team == data.Team)
            {
                return events;
            }

            var before = Preferences;
            data.Preferences = current;
            if (team != data.Team)
            {
                data.Team = team;
                HasUnsavedChanges = true;
            }

            if (data.Session is not { } session)
            {
                return events;
            }

            var now = Now();
            if (before.WorkSessionsEnabled && !current.Preferences.WorkSessionsEnabled)
            {
                EndSession(events, now, EndReason.FeatureDisabled, current.UpdatedBy, note: null);
                return events;
            }

            if (State == SessionState.Warned && !Preferences.AutoEndEnabled)
            {
                ClearWarning(events, now, WarningClearedCause.AutoEndDisabled);
            }

            // A warned agent given a longer grace period (its team's or tenant's changed, or it moved to another team)
            // has that one in full from the prompt; a shorter one never cuts the prompt it was given.
            if (session is { WarnedAt: { } warnedAt, GraceDeadline: { } graceDeadline } && warnedAt + Preferences.GracePeriod > graceDeadline)
            {
                session.GraceDeadline = warnedAt + Preferences.GracePeriod;
                HasUnsavedChanges = true;
            }

            if (checkDeadlines)
            {
                events.AddRange(CheckDeadlines());
            }

            return events;
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
            Record(events, new StatusChanged(NewEventId(now), agentId, now, data.Session?.SessionId ?? endedSessionId, from, status, reason, actor));
        }

        private void Warn(List<AgentEvent> events, DateTimeOffset now)
        {
            var session = data.Session!;
            session.WarnedAt = now;
            session.GraceDeadline = now + Preferences.GracePeriod;
            session.PromptCount++;
            HasUnsavedChanges = true;
            Record(events, new InactivityWarned(NewEventId(now), agentId, now, session.SessionId, session.GraceDeadline.Value));
        }

        private void ClearWarning(List<AgentEvent> events, DateTimeOffset now, WarningClearedCause cause)
        {
            var session = data.Session!;
            session.WarnedAt = null;
            session.GraceDeadline = null;
            HasUnsavedChanges = true;
            Record(events, new WarningCleared(NewEventId(now), agentId, now, session.SessionId, cause));
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
                note,
                session.TeamId);
            data.Session = null;
            HasUnsavedChanges = true;
            Record(events, new SessionEnded(NewEventId(now), agentId, now, record));

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

            var time = new StatusTime(session.ReadySeconds, session.NotReadySeconds, session.OccupiedSeconds);
            time.Add(new StatusPeriod(session.StatusSince, now, data.Status, data.StatusReason));
            (session.ReadySeconds, session.NotReadySeconds, session.OccupiedSeconds) = (time.ReadySeconds, time.NotReadySeconds, time.OccupiedSeconds);
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

        /// <summary>The clock as it is: what deadlines are judged by, so none fires before its time.</summary>
        private DateTimeOffset Clock() => timeProvider.GetUtcNow();

        /// <summary>The time to record: the clock, but never before a time this agent already recorded.</summary>
        private DateTimeOffset Now() => TimeToRecord(data, Clock());

        /// <summary>Every event goes through here, so the latest recorded time is saved with it.</summary>
        private void Record(List<AgentEvent> events, AgentEvent agentEvent)
        {
            data.LatestRecordedAt = data.LatestRecordedAt is { } latest ? Later(latest, agentEvent.At) : agentEvent.At;
            HasUnsavedChanges = true;
            events.Add(agentEvent);
        }

        private static Guid NewEventId(DateTimeOffset now) => TimeOrderedIds.New(now);
    }
}

/// <summary>
/// What the agent's state machine is asked to do: the rows of the table in <see cref="WorkSessionMachine"/>'s remarks,
/// run by <see cref="WorkSessionMachine.Decide"/>.
/// </summary>
internal abstract record WorkSessionCommand
{
    private WorkSessionCommand()
    {
    }

    /// <summary>Opens a session in the asked status, or answers with the one already open.</summary>
    public sealed record Start(AgentStatus Status, string? Reason) : WorkSessionCommand;

    /// <summary>Activity: a heartbeat. The grain's heartbeat path uses <see cref="WorkSessionMachine.RecordActivity"/>, the same rule.</summary>
    public sealed record Activity : WorkSessionCommand;

    /// <summary>The agent answers the prompt (or, with none pending, only shows activity).</summary>
    public sealed record Continue : WorkSessionCommand;

    /// <summary>The agent's own status; while an engagement is open it applies when the engagement ends.</summary>
    public sealed record SetStatus(AgentStatus Status, string? Reason) : WorkSessionCommand;

    /// <summary>Ends the open session by the agent, a supervisor or an admin.</summary>
    public sealed record End(Actor Actor, string? Note) : WorkSessionCommand;

    /// <summary>An engagement (a call, a chat) begins: occupied, the inactivity clock paused.</summary>
    public sealed record BeginEngagement(string EngagementId) : WorkSessionCommand;

    /// <summary>An engagement ends: back to the status before once none is left open.</summary>
    public sealed record EndEngagement(string EngagementId) : WorkSessionCommand;

    /// <summary>Acts on deadlines that have passed: shows the prompt, or ends the session after the grace period.</summary>
    public sealed record CheckDeadlines : WorkSessionCommand;

    /// <summary>
    /// Applies the tenant's current preferences. The tenant grain is their only source, so anything other than the
    /// preferences held replaces them: a lower version too, or the same version with other values (a tenant
    /// restored from a backup numbers its changes again). Without <paramref name="ActOnDeadlines"/> a deadline the change
    /// put in the past is left to the next <see cref="WorkSessionCommand.CheckDeadlines"/> (the grain's timer, at once):
    /// the tenant's push then never waits for a prompt's write (docs/architecture.md#push-storms).
    /// </summary>
    public sealed record ApplyPreferences(TenantPreferences Preferences, bool ActOnDeadlines = true) : WorkSessionCommand;

    /// <summary>
    /// Applies the agent's team as the team grain holds it: a team joined, left, moved to, or its overrides changed
    /// (docs/architecture.md#teams). Null: the agent is in no team and follows the tenant.
    /// </summary>
    public sealed record ApplyTeam(TeamMembership? Team) : WorkSessionCommand;

    /// <summary>
    /// The grain activated with this state and the tenant's current preferences (docs/architecture.md#recovery-rule),
    /// then <paramref name="Then"/> runs: the recovery rule goes first of an activation's commands.
    /// </summary>
    public sealed record Activate(TenantPreferences Preferences, WorkSessionCommand Then) : WorkSessionCommand
    {
        public Activate(TenantPreferences preferences)
            : this(preferences, new None())
        {
        }
    }

    /// <summary>An event stream of the agent is open on some Gateway (docs/architecture.md#client-presence).</summary>
    public sealed record ClientConnected : WorkSessionCommand;

    /// <summary>No event stream of the agent is open since <paramref name="Since"/>; the client-gone clock runs from then.</summary>
    public sealed record ClientAbsent(DateTimeOffset Since) : WorkSessionCommand;

    /// <summary>Nothing: after <see cref="Activate"/>, the recovery rule alone.</summary>
    public sealed record None : WorkSessionCommand;
}

/// <summary>The outcome of a command: the new state, the events that happened, and whether it must be stored.</summary>
/// <param name="State">The state after the command; the one before is untouched.</param>
/// <param name="Events">What happened, in order.</param>
/// <param name="MustWrite">
/// True for every transition and for a due activity checkpoint; false for activity alone and for preferences
/// that changed nothing else, which the next activation reads from the tenant again.
/// </param>
internal sealed record Transition(AgentState State, IReadOnlyList<AgentEvent> Events, bool MustWrite);

/// <summary>
/// The one rule for writing activity: heartbeats stay in memory, and the stored activity time is brought up to
/// date with the next command once it is older than <paramref name="Interval"/>.
/// </summary>
/// <param name="StoredLastActivityAt">The open session's activity time as last stored, or null.</param>
/// <param name="Interval">How stale the stored activity time may get.</param>
internal readonly record struct ActivityCheckpoint(DateTimeOffset? StoredLastActivityAt, TimeSpan Interval)
{
    /// <summary>
    /// Never due: for what is not the agent's own command (a tenant's preference push), so that pushing to 50,000
    /// heartbeating agents is not 50,000 checkpoint writes. The agent's next command takes the checkpoint.
    /// </summary>
    public static ActivityCheckpoint Never => new(null, Timeout.InfiniteTimeSpan);

    public bool IsDue(AgentState state) =>
        Interval != Timeout.InfiniteTimeSpan
        && state.Session is { } session
        && (StoredLastActivityAt is not { } stored || session.LastActivityAt - stored >= Interval);
}
