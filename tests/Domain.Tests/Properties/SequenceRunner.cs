using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using WorkSessions.Contracts;

namespace WorkSessions.Domain.Tests.Properties;

/// <summary>What the random sequences exercised, summed over all threads, so a test can show it did real work.</summary>
internal sealed class Coverage
{
    private long _sequences;
    private long _steps;
    private long _rejections;
    private long _timerFirings;
    private long _sessions;
    private long _recoveryPrompts;
    private long _teamChanges;
    private long _graceExtensions;
    private readonly long[] _ends = new long[(int)Enum.GetValues<EndReason>().Max() + 1];
    private long _limitWarnings;
    private long _limitAlerts;
    private long _shiftWarnings;

    public long Sequences => Interlocked.Read(ref _sequences);

    public long Steps => Interlocked.Read(ref _steps);

    public long Rejections => Interlocked.Read(ref _rejections);

    public long TimerFirings => Interlocked.Read(ref _timerFirings);

    public long Sessions => Interlocked.Read(ref _sessions);

    public long RecoveryPrompts => Interlocked.Read(ref _recoveryPrompts);

    /// <summary>Team changes (joined, moved, left, overrides changed) that reached an open session.</summary>
    public long TeamChanges => Interlocked.Read(ref _teamChanges);

    /// <summary>Pending prompts whose deadline a longer grace period moved out.</summary>
    public long GraceExtensions => Interlocked.Read(ref _graceExtensions);

    public long Ends(EndReason reason) => Interlocked.Read(ref _ends[(int)reason]);

    /// <summary>Not-ready limit warnings, alerts (limits reached with the action alert) and shift-end warnings given.</summary>
    public (long LimitWarnings, long LimitAlerts, long ShiftWarnings) LimitNotices =>
        (Interlocked.Read(ref _limitWarnings), Interlocked.Read(ref _limitAlerts), Interlocked.Read(ref _shiftWarnings));

    public void LimitWarning() => Interlocked.Increment(ref _limitWarnings);

    public void LimitAlert() => Interlocked.Increment(ref _limitAlerts);

    public void ShiftWarning() => Interlocked.Increment(ref _shiftWarnings);

    public void Sequence() => Interlocked.Increment(ref _sequences);

    public void Step() => Interlocked.Increment(ref _steps);

    public void Rejection() => Interlocked.Increment(ref _rejections);

    public void TimerFiring() => Interlocked.Increment(ref _timerFirings);

    public void Session() => Interlocked.Increment(ref _sessions);

    public void RecoveryPrompt() => Interlocked.Increment(ref _recoveryPrompts);

    public void TeamChange() => Interlocked.Increment(ref _teamChanges);

    public void GraceExtension() => Interlocked.Increment(ref _graceExtensions);

    public void End(EndReason reason) => Interlocked.Increment(ref _ends[(int)reason]);

    public override string ToString() =>
        $"{Sequences} sequences, {Steps} steps ({Rejections} rejected, {TimerFirings} timer firings), {Sessions} sessions; ends: " +
        string.Join(", ", Enum.GetValues<EndReason>().Select(r => $"{r} {Ends(r)}")) +
        $"; prompts re-issued after an outage: {RecoveryPrompts}; team changes with a session open: {TeamChanges}, prompts extended by a longer grace: {GraceExtensions}" +
        $"; limit warnings {LimitNotices.LimitWarnings}, limit alerts {LimitNotices.LimitAlerts}, shift warnings {LimitNotices.ShiftWarnings}";
}

/// <summary>
/// Plays one <see cref="Scenario"/> against a <see cref="WorkSessionMachine"/> (through <see cref="SessionDriver"/>) the way the agent grain drives it:
/// deadlines fire exactly when the clock reaches them, outages and deactivations skip firing and then activate.
/// After every step it checks the invariants of docs/architecture.md#state-machine against the events seen so far.
/// </summary>
internal sealed class SequenceRunner
{
    private const string AgentId = "agent-42";
    private const string SupervisorId = "sup-1";
    private const string AdminId = "admin-9";
    private const double SecondsTolerance = 1e-6;

    private static readonly DateTimeOffset Origin = ScenarioGen.Origin;

    private readonly Scenario _scenario;
    private readonly Coverage _coverage;
    private readonly AdjustableClock _clock = new(Origin);
    private readonly SessionDriver _session;

    private readonly HashSet<Guid> _eventIds = [];
    private readonly HashSet<Guid> _started = [];
    private readonly HashSet<Guid> _ended = [];
    private DateTimeOffset _lastEventAt = DateTimeOffset.MinValue;
    private AgentStatus _statusFromEvents = AgentStatus.Offline;

    // The open session as the event stream tells it.
    private Guid? _openId;
    private Guid? _lastEndedId;
    private DateTimeOffset _openStartedAt;
    private int _prompts;
    private int _continues;
    private InactivityWarned? _lastWarning;
    private TimeSpan _graceAtLastWarning;

    // The pending prompt's deadline: its grace period at the prompt, moved out by every longer one in force since.
    private DateTimeOffset _promptDeadline;
    private long _teamVersion;
    private bool _warningCleared;

    // The open session's limit notices as the events tell them, and whether the running command closes the last engagement.
    private StatusLimitWarned? _limitWarning;
    private StatusLimitReached? _limitReached;
    private ShiftEnding? _shiftEnding;
    private bool _closingLastEngagement;

    private bool _clockWentBack;

    // The client's presence as the Gateways report it: connected until a stream closes (a new AgentState holds it so).
    private bool _clientConnected = true;
    private DateTimeOffset _clientAbsentSince;
    private DateTimeOffset _clockHigh = Origin;

    private string _where = "set-up";

    public SequenceRunner(Scenario scenario, Coverage coverage)
    {
        _scenario = scenario;
        _coverage = coverage;
        _session = new SessionDriver(AgentId, new AgentState(), _clock);
        if (scenario.Initial is { } initial)
        {
            _data.Preferences = ToPreferences(initial, version: 1);
        }
    }

    /// <summary>The state after the last command: each command replaces it.</summary>
    private AgentState _data => _session.Data;

    private DateTimeOffset Now => _clock.GetUtcNow();

    /// <summary>Now, or while the clock is behind a time already recorded, no earlier than that time.</summary>
    private bool IsNow(DateTimeOffset recorded) => _clockWentBack ? recorded >= Now && recorded <= Latest : recorded == Now;

    /// <summary>The latest time the clock has shown: recorded times stay at or below it, even while the clock is behind.</summary>
    private DateTimeOffset Latest => Now > _clockHigh ? Now : _clockHigh;

    public void Run()
    {
        for (var i = 0; i < _scenario.Commands.Length; i++)
        {
            var command = _scenario.Commands[i];
            _where = $"command {i} ({command})";
            Execute(command);
        }

        // Close the books: whatever is still open ends now, so every started session must have ended exactly once.
        _where = "closing";
        if (_data.Session is not null)
        {
            Step(null, () => _session.End(Actor.Admin(AdminId), "closing"), allowedLateness: TimeSpan.Zero);
        }

        Check(_openId is null, "no session is left open");
        Check(_started.SetEquals(_ended), "every started session ended exactly once");
        _coverage.Sequence();
    }

    private void Execute(Command command)
    {
        var enabled = _session.Preferences.WorkSessionsEnabled;
        var open = _data.Session is not null;
        var sessionError = !enabled ? ErrorCodes.WorkSessionsDisabled : !open ? ErrorCodes.NoOpenSession : null;
        switch (command)
        {
            case StartCommand(var status, var reason):
                var startError = !enabled ? ErrorCodes.WorkSessionsDisabled
                    : open ? null
                    : IsInvalidOwnStatus(status, reason, offlineAllowed: false) ? ErrorCodes.InvalidStatus
                    : null;
                var before = Snapshot();
                var started = Step(startError, () => _session.Start(status, reason));
                if (started is not null && open)
                {
                    Check(started.Count == 0 && Snapshot() == before, "start with an open session is idempotent");
                }
                else if (started is not null)
                {
                    Check(started.Count > 0 && started[0] is SessionStarted, "start with no session opens one");
                    Check(_session.State == SessionState.Active, "a new session is active");
                    var expected = _data.OpenEngagements.Count > 0 ? AgentStatus.Occupied : status;
                    Check(_data.Status == expected, "a new session has the asked status (occupied while engaged)");
                }

                break;

            case ActivityCommand:
                var stateBefore = _session.State;
                var activity = Step(sessionError, () =>
                {
                    _session.RecordActivity();
                    return [];
                });
                if (activity is not null)
                {
                    Check(_session.State == stateBefore, "activity never answers a prompt");
                    Check(IsNow(_data.Session!.LastActivityAt), "activity moves lastActivity to now");
                    Check(!_session.HasUnsavedChanges, "activity alone writes nothing");
                }

                break;

            case ContinueCommand:
                var wasWarned = _session.State == SessionState.Warned;
                var continued = Step(sessionError, _session.Continue);
                if (continued is not null)
                {
                    Check(_session.State == SessionState.Active, "continue leaves the session active");
                    Check(
                        wasWarned
                            ? continued is [WarningCleared { Cause: WarningClearedCause.Continued }]
                            : continued.Count == 0,
                        "continue clears a prompt, or is a no-op when active");
                }

                break;

            case SetStatusCommand(var status, var reason):
                var statusError = IsInvalidOwnStatus(status, reason, offlineAllowed: !enabled) ? ErrorCodes.InvalidStatus
                    : enabled && !open ? ErrorCodes.NoOpenSession
                    : null;
                var engaged = _data.OpenEngagements.Count > 0;
                if (Step(statusError, () => _session.SetStatus(status, reason)) is not null)
                {
                    Check(engaged ? _data.StatusAfterEngagements == status : _data.Status == status, "the status is set (after the engagements if engaged)");
                    Check(_data.Session is null || IsNow(_data.Session.LastActivityAt), "a status change counts as activity");
                }

                break;

            case EndCommand(var role, var note):
                var actor = role switch
                {
                    ActorRole.Agent => Actor.Agent(AgentId),
                    ActorRole.Supervisor => Actor.Supervisor(SupervisorId),
                    _ => Actor.Admin(AdminId),
                };
                var endReason = role switch
                {
                    ActorRole.Agent => EndReason.AgentEnded,
                    ActorRole.Supervisor => EndReason.EndedBySupervisor,
                    _ => EndReason.EndedByAdmin,
                };
                var ended = Step(sessionError, () => _session.End(actor, note));
                if (ended is not null)
                {
                    Check(
                        ended is [SessionEnded { Record: var record }, ..] && record.EndReason == endReason && record.EndedBy == actor.UserId && record.Note == note,
                        "an end records its reason, actor and note");
                }

                break;

            case BeginEngagementCommand(var id):
                if (Step(enabled && !open ? ErrorCodes.NoOpenSession : null, () => _session.BeginEngagement(id)) is not null)
                {
                    Check(_data.OpenEngagements.Contains(id) && _data.Status == AgentStatus.Occupied, "an engagement makes the agent occupied");
                    Check(_session.State != SessionState.Warned, "an engagement withdraws a pending prompt");
                }

                break;

            case EndEngagementCommand(var id):
                _closingLastEngagement = _data.OpenEngagements is [var last] && last == id;
                Step(null, () => _session.EndEngagement(id));
                _closingLastEngagement = false;
                Check(!_data.OpenEngagements.Contains(id), "an ended engagement is no longer open");
                break;

            case PreferencesCommand preferences:
                var held = _data.Preferences.Version;
                var version = preferences.Staleness switch
                {
                    Staleness.Newer => held + 1,
                    Staleness.Equal => held,
                    _ => held - 1,
                };
                var snapshot = Snapshot();
                var pushed = preferences.Staleness == Staleness.Equal ? _data.Preferences : ToPreferences(preferences, version);
                var applied = Step(null, () => _session.ApplyPreferences(pushed));
                if (preferences.Staleness == Staleness.Equal)
                {
                    Check(applied!.Count == 0 && Snapshot() == snapshot && !_session.HasUnsavedChanges, "the preferences already held change nothing");
                }
                else if (open && !preferences.Enabled)
                {
                    Check(
                        applied is [SessionEnded { Record: var record }] && record.EndReason == EndReason.FeatureDisabled && record.EndedBy == preferences.UpdatedBy,
                        "turning the feature off ends the session featureDisabled, by the admin who did it");
                }
                else if (_session.State == SessionState.Warned)
                {
                    Check(_session.Preferences.AutoEndEnabled, "turning auto-end off withdraws the prompt");
                }

                break;

            case TeamCommand team:
                var membership = team.TeamId is null
                    ? null
                    : new TeamMembership(
                        team.TeamId,
                        new TeamPreferenceOverrides(team.AutoEnd, team.TimeoutSeconds, team.GraceSeconds, team.Limits is null ? null : [.. team.Limits], team.ShiftEnd),
                        ++_teamVersion,
                        team.TimeZone);
                var teamApplied = Step(null, () => _session.ApplyTeam(membership));
                Check(_data.Team == membership, "the agent holds the team it was given");
                Check(
                    teamApplied!.Where(e => !IsLimitEvent(e)).TakeWhile(e => e is not ClientGone).All(e => e is InactivityWarned or WarningCleared { Cause: WarningClearedCause.AutoEndDisabled }),
                    "a team change only warns (a timeout already past) or withdraws a prompt (auto-end off), never ends a session but by a limit or a client gone long enough");
                if (open)
                {
                    _coverage.TeamChange();
                }

                break;

            case ClientConnectedCommand:
                _clientConnected = true;
                var back = Step(null, () => _session.Run(new WorkSessionCommand.ClientConnected()));
                Check(back!.All(e => e is ClientBack), "a client that connects is at most back");
                Check(back!.Count > 0 || !_session.HasUnsavedChanges, "presence alone writes nothing");
                break;

            case ClientAbsentCommand:
                _clientConnected = false;
                _clientAbsentSince = Now;
                Step(null, () => _session.Run(new WorkSessionCommand.ClientAbsent(Now)));
                break;

            case AdvanceCommand(var milliseconds):
                AdvanceWithTimers(TimeSpan.FromMilliseconds(milliseconds));
                break;

            case OutageCommand(var milliseconds):
                _clock.Advance(TimeSpan.FromMilliseconds(milliseconds));
                Activate();
                break;

            case DeactivationCommand(var milliseconds):
                _clock.Advance(TimeSpan.FromMilliseconds(milliseconds));
                Activate();
                break;

            case ClockBehindCommand(var milliseconds):
                _clockHigh = Latest;
                _clock.SetUtcNow(Now - TimeSpan.FromMilliseconds(milliseconds));
                _clockWentBack = true;
                Activate();
                break;

            default:
                throw new InvalidOperationException($"Unknown command {command}.");
        }
    }

    /// <summary>The grain activates after a gap in which no timer ran, whatever caused it, with the tenant's current preferences.</summary>
    private void Activate()
    {
        // An activation knows no stream (presence is never stored): the grain counts an absent client absent only from
        // when open streams have had time to announce themselves again, and a connected one is announced.
        if (!_clientConnected)
        {
            _clientAbsentSince = Now + TimeSpan.FromSeconds(30);
        }

        _data.ClientAbsentSince = _clientConnected ? null : _clientAbsentSince;
        var graceBefore = _session.GraceDeadline;
        var recovered = Step(null, () => _session.Activate(_data.Preferences));
        var gracePassed = graceBefore is { } g && g <= Now;
        var recoveredOwn = recovered!.Where(e => !IsLimitEvent(e)).ToList();
        Check(
            gracePassed ? recoveredOwn is [InactivityWarned] : recoveredOwn.Count == 0,
            "recovery prompts again, in full, exactly when a grace deadline passed during the gap, and never ends a session for inactivity");
        if (gracePassed)
        {
            _coverage.RecoveryPrompt();
        }

        if (_data.Session is { } session)
        {
            Check(session.LastActivityAt >= Now, "the activation counts as activity");
        }
    }

    /// <summary>Like the grain's one-shot timer: advance to the next deadline, act on it, repeat, then advance to the target.</summary>
    private void AdvanceWithTimers(TimeSpan by)
    {
        var target = Now + by;
        for (var firings = 0; _session.NextDeadline is { } deadline && deadline <= target; firings++)
        {
            Check(firings < 1000, "deadlines make progress");
            Check(deadline > Now, "no deadline is left in the past");
            _clock.SetUtcNow(deadline);
            _coverage.TimerFiring();
            var fired = Step(null, _session.CheckDeadlines);
            Check(fired!.Count > 0, "a deadline that fires is acted on");
            Check(_session.NextDeadline is null || _session.NextDeadline > Now, "after firing, the next deadline is in the future");
        }

        _clock.SetUtcNow(target);
    }

    /// <summary>
    /// Runs one command and checks every invariant. Returns its events, or null when it was rejected (as
    /// <paramref name="expectedError"/> says it must be) and changed nothing.
    /// </summary>
    private IReadOnlyList<AgentEvent>? Step(string? expectedError, Func<IReadOnlyList<AgentEvent>> command, TimeSpan allowedLateness = default)
    {
        _coverage.Step();
        var before = Snapshot();
        var durableBefore = DurableSnapshot();
        var statusBefore = (_data.Status, _data.StatusReason);
        var engagementsBefore = _data.OpenEngagements.Count;
        IReadOnlyList<AgentEvent> events;
        try
        {
            events = command();
        }
        catch (WorkSessionException rejection)
        {
            _coverage.Rejection();
            Check(expectedError == rejection.Code, $"rejected with {rejection.Code}, expected {expectedError ?? "success"}");
            Check(Snapshot() == before, "a rejected command changes nothing");
            Check(!_session.HasUnsavedChanges, "a rejected command leaves nothing to save");
            return null;
        }

        Check(expectedError is null, $"succeeded, expected {expectedError}");
        foreach (var e in events)
        {
            CheckEvent(e, statusBefore, engagementsBefore, allowedLateness);
        }

        CheckState();
        Check(
            _session.HasUnsavedChanges == (events.Count > 0 || DurableSnapshot() != durableBefore),
            "every change but lastActivity is marked for saving, and nothing else is");
        _session.MarkSaved();
        return events;
    }

    private void CheckEvent(AgentEvent e, (AgentStatus Status, string? Reason) statusBefore, int engagementsBefore, TimeSpan allowedLateness)
    {
        Check(e.AgentId == AgentId, "events name the agent");
        Check(_eventIds.Add(e.EventId), "event ids are unique");
        Check(IsNow(e.At), "events happen now");
        Check(e.At >= _lastEventAt, "event times never go backwards");
        _lastEventAt = e.At;

        switch (e)
        {
            case SessionStarted started:
                Check(_openId is null, "at most one open session");
                Check(_started.Add(started.SessionId), "a session starts once");
                Check(started.Actor == Actor.Agent(AgentId), "the agent starts their session");
                _openId = started.SessionId;
                _openStartedAt = started.At;
                _prompts = 0;
                _continues = 0;
                _lastWarning = null;
                _warningCleared = false;
                _limitWarning = null;
                _limitReached = null;
                _shiftEnding = null;
                _coverage.Session();
                break;

            case StatusChanged changed:
                Check(changed.From == _statusFromEvents, "status changes chain: each starts where the last ended");
                Check(changed.From != changed.To || changed.Reason != null, "a status change changes something");
                Check(
                    changed.SessionId == _openId || (changed.To == AgentStatus.Offline && changed.SessionId == _lastEndedId),
                    "a status change names the open session, or the session whose end took the agent offline");
                _statusFromEvents = changed.To;
                break;

            case ClientGone gone:
                Check(!_clientConnected, "a connected client is never judged gone");
                Check(_openId == gone.SessionId, "a client gone belongs to the open session");
                Check(_data.OpenEngagements.Count == 0, "no client-gone action while an engagement is open");
                Check(gone.Action == _session.Preferences.ClientGoneAction, "the action in force is taken");
                break;

            case ClientBack back:
                Check(_clientConnected && _openId == back.SessionId, "a client is back in the open session only once it connected");
                break;

            case InactivityWarned warned:
                Check(_openId == warned.SessionId, "a prompt belongs to the open session");
                Check(warned.Deadline - warned.At == _session.Preferences.GracePeriod, "a prompt gives the full grace period in force");
                Check(warned.At >= _openStartedAt, "startedAt <= warnedAt");
                Check(_data.OpenEngagements.Count == 0, "no prompt while engaged");
                _lastWarning = warned;
                _promptDeadline = warned.Deadline;
                _graceAtLastWarning = _session.Preferences.GracePeriod;
                _warningCleared = false;
                _prompts++;
                break;

            case WarningCleared cleared:
                Check(_openId == cleared.SessionId, "a cleared prompt belongs to the open session");
                Check(_lastWarning is not null && !_warningCleared, "only a pending prompt is cleared");
                _warningCleared = true;
                if (cleared.Cause == WarningClearedCause.Continued)
                {
                    _continues++;
                }

                break;

            case SessionEnded { Record: var record }:
                Check(_openId == record.SessionId, "the open session is the one that ends");
                Check(_ended.Add(record.SessionId), "a session ends exactly once");
                _openId = null;
                _lastEndedId = record.SessionId;
                Check(record.AgentId == AgentId && record.StartedAt == _openStartedAt && record.EndedAt == e.At, "the record has the session's times");
                Check(record.StartedAt <= record.EndedAt, "startedAt <= endedAt");
                Check(record.PromptCount == _prompts && record.ContinueCount == _continues, "the record counts prompts and continues");
                Check(record.ReadySeconds >= 0 && record.NotReadySeconds >= 0 && record.OccupiedSeconds >= 0, "status times are not negative");
                var accounted = record.ReadySeconds + record.NotReadySeconds + record.OccupiedSeconds;
                Check(Math.Abs(accounted - (record.EndedAt - record.StartedAt).TotalSeconds) < SecondsTolerance, "every second of a session is in exactly one status (never offline)");
                _coverage.End(record.EndReason);

                if (record.EndReason is EndReason.StatusLimit or EndReason.ShiftEnded)
                {
                    // Never while an engagement is open: the end waits for the last one.
                    Check(record.EndedBy is null, "nobody ends a session for a limit");
                    Check(engagementsBefore == 0 || _closingLastEngagement, "no limit end while an engagement is open");
                    if (record.EndReason == EndReason.StatusLimit)
                    {
                        Check(_limitReached is { Action: StatusLimitAction.EndSession } r && r.At == e.At, "a statusLimit end follows its limit reached");
                    }
                    else
                    {
                        Check(_shiftEnding is { } ending && ending.SessionId == record.SessionId && record.EndedAt >= ending.EndsAt, "a shiftEnded end comes after its warning, at or after the end it announced");
                    }
                }
                else if (record.EndReason == EndReason.InactivityTimeout)
                {
                    // Invariants 3, 4 and 5.
                    Check(record.EndedBy is null, "nobody ends a session for inactivity");
                    Check(engagementsBefore == 0, "no inactivity end while an engagement is open");
                    Check(_lastWarning is { } w && w.SessionId == record.SessionId && !_warningCleared, "an inactivity end follows a pending prompt");
                    var warning = _lastWarning!;
                    Check(warning.Deadline - warning.At == _graceAtLastWarning, "the prompt gave the full grace period");
                    Check(_promptDeadline >= warning.Deadline, "a later, shorter grace period never cut the prompt");
                    Check(record.EndedAt >= _promptDeadline, "an inactivity end waits for the grace deadline, the longest grace in force since the prompt");
                    Check(record.EndedAt - _promptDeadline <= allowedLateness, "a grace deadline fires on time while the silo is up");
                    Check(record.StartedAt <= warning.At && warning.At < record.EndedAt, "startedAt <= warnedAt < endedAt");
                }
                else if (record.EndReason == EndReason.ClientGone)
                {
                    Check(!_clientConnected, "an agent whose client is connected is never ended clientGone");
                    Check(record.EndedBy is null, "nobody ends a session for a client gone");
                    Check(engagementsBefore == 0 || _data.OpenEngagements.Count == 0, "no client-gone end while an engagement is open");
                    var seconds = _session.Preferences.ClientGoneSeconds;
                    Check(seconds is { } s && record.EndedAt >= Later(_clientAbsentSince, record.StartedAt) + TimeSpan.FromSeconds(s), "a client-gone end waits clientGoneSeconds");
                }
                else
                {
                    Check(record.EndedBy is not null, "a person ends every other session");
                }

                break;

            case StatusLimitWarned warned:
                Check(_openId == warned.SessionId, "a limit warning belongs to the open session");
                Check(_data.OpenEngagements.Count == 0, "no limit runs while engaged");
                Check(_limitWarning is null || _limitWarning.At < warned.At || _limitWarning.Reason != warned.Reason || _limitReached is not null, "one warning per status period");
                Check(warned.LimitAt >= warned.At, "a warning comes before its limit");
                _limitWarning = warned;
                _limitReached = null;
                _coverage.LimitWarning();
                break;

            case StatusLimitReached reached:
                Check(_openId == reached.SessionId, "a limit reached belongs to the open session");
                Check(_limitWarning is { } limitWarning && limitWarning.Reason == reached.Reason && limitWarning.SessionId == reached.SessionId && reached.At >= limitWarning.LimitAt, "a limit is reached after its warning, at or after the limit it announced");
                Check(_statusFromEvents == AgentStatus.NotReady, "a limit is reached while not ready");
                _limitReached = reached;
                if (reached.Action == StatusLimitAction.Alert)
                {
                    _coverage.LimitAlert();
                }

                break;

            case ShiftEnding ending:
                Check(_openId == ending.SessionId, "a shift warning belongs to the open session");
                Check(ending.EndsAt >= ending.At, "a shift warning comes before the end");
                _shiftEnding = ending;
                _coverage.ShiftWarning();
                break;

            default:
                throw new InvalidOperationException($"Unknown event {e}.");
        }

        if (e is SessionEnded { Record.EndReason: EndReason.FeatureDisabled })
        {
            Check((_data.Status, _data.StatusReason) == statusBefore, "featureDisabled leaves the status as it was");
        }
        else if (e is SessionEnded)
        {
            Check(_data.Status == AgentStatus.Offline, "every other end leaves the agent offline");
        }
    }

    private void CheckState()
    {
        var session = _data.Session;
        Check(session?.SessionId == _openId, "the open session is the one the events opened");
        Check(_data.Status == _statusFromEvents, "every status change was announced");
        Check(_data.OpenEngagements.Distinct().Count() == _data.OpenEngagements.Count, "engagements are open once");
        Check((_data.OpenEngagements.Count > 0) == (_data.StatusAfterEngagements is not null), "a status to return to exactly while engaged");
        Check(_data.OpenEngagements.Count == 0 || _data.Status == AgentStatus.Occupied, "occupied while engaged");
        Check(_session.NextDeadline is null || _session.NextDeadline > Now, "no deadline is left in the past");

        var view = _session.ToView();
        Check(view.State == _session.State && view.Status == _data.Status, "the view shows the state");
        if (session is null)
        {
            Check(_session.State == SessionState.None && view.Session is null && view.Prompt is null, "no session, nothing to show");
            Check(_session.NextDeadline is null, "no deadline without a session");
            return;
        }

        Check(_session.Preferences.WorkSessionsEnabled, "sessions exist only while the feature is on");
        Check(_data.Status != AgentStatus.Offline, "an agent with an open session is never offline");
        Check(session.StartedAt <= session.LastActivityAt && session.LastActivityAt <= Latest, "startedAt <= lastActivity <= now");
        Check(session.StartedAt <= session.StatusSince && session.StatusSince <= Latest, "status time counts within the session");
        Check(_session.NextDeadline is null || _session.NeedsWakeUps, "a session with a deadline has a durable wake-up");
        var expectedDeadline = session.GraceDeadline
            ?? (_session.Preferences.AutoEndEnabled && _data.OpenEngagements.Count == 0 ? session.LastActivityAt + _session.Preferences.InactivityTimeout : null);
        if (WorkSessions.Domain.Limits.SessionLimits.NextDeadline(_data, _session.Preferences) is { } limitDeadline && (expectedDeadline is null || limitDeadline < expectedDeadline))
        {
            expectedDeadline = limitDeadline;
        }

        // The client-gone deadline, once per absence, never while engaged.
        var goneDeadline = !_clientConnected && session.ClientGoneSince is null && _data.OpenEngagements.Count == 0 && _session.Preferences.ClientGoneSeconds is { } goneSeconds
            ? Later(_clientAbsentSince, session.StartedAt) + TimeSpan.FromSeconds(goneSeconds)
            : (DateTimeOffset?)null;
        expectedDeadline = expectedDeadline is null || (goneDeadline is { } gone && gone < expectedDeadline) ? goneDeadline ?? expectedDeadline : expectedDeadline;
        Check(
            _session.NextDeadline == expectedDeadline,
            "the next deadline is the earliest of the grace deadline (or lastActivity + timeout unless auto-end is off or engaged), the limits' and the client-gone deadline");
        Check((session.WarnedAt is null) == (session.GraceDeadline is null), "a prompt has a deadline");
        if (session.WarnedAt is { } warnedAt)
        {
            Check(_session.State == SessionState.Warned, "warned while the prompt is pending");
            Check(session.StartedAt <= warnedAt && warnedAt <= Latest, "startedAt <= warnedAt <= now");
            Check(_lastWarning is { } w && w.At == warnedAt && !_warningCleared, "the pending prompt was announced");
            var expectedGraceDeadline = Later(_promptDeadline, warnedAt + _session.Preferences.GracePeriod);
            Check(
                session.GraceDeadline == expectedGraceDeadline,
                "the prompt's deadline is the longest grace period in force since the prompt, from the prompt (never cut, extended in full)");
            if (expectedGraceDeadline > _promptDeadline)
            {
                _coverage.GraceExtension();
                _promptDeadline = expectedGraceDeadline;
            }

            Check(_data.OpenEngagements.Count == 0, "never warned while engaged");
            Check(_session.Preferences.AutoEndEnabled, "never warned with auto-end off");
            Check(view.Prompt == new PromptView(warnedAt, session.GraceDeadline!.Value), "the view shows the prompt");
        }
        else
        {
            Check(_lastWarning is null || _warningCleared, "a withdrawn prompt was announced");
            Check(view.Prompt is null, "no prompt to show");
        }
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>The events of not-ready limits and shift ends (docs/architecture.md#limits), with the ends they cause.</summary>
    private static bool IsLimitEvent(AgentEvent e) =>
        e is StatusLimitWarned or StatusLimitReached or ShiftEnding or SessionEnded { Record.EndReason: EndReason.StatusLimit or EndReason.ShiftEnded }
        || (e is StatusChanged { To: AgentStatus.Offline, Actor.Role: ActorRole.System });

    private void Check(bool condition, string invariant)
    {
        if (!condition)
        {
            throw new InvalidOperationException(
                $"Invariant broken at {_where}, {(Now - Origin).TotalSeconds:0.###} s: {invariant}.{Environment.NewLine}" +
                $"state: {Snapshot()}");
        }
    }

    private static bool IsInvalidOwnStatus(AgentStatus status, string? reason, bool offlineAllowed) => status switch
    {
        AgentStatus.Ready => false,
        AgentStatus.NotReady => string.IsNullOrWhiteSpace(reason),
        AgentStatus.Offline => !offlineAllowed,
        _ => true,
    };

    private TenantPreferences ToPreferences(PreferencesCommand p, long version) =>
        new(
            new WorkSessionPreferences(p.Enabled, p.AutoEnd, p.TimeoutSeconds, p.GraceSeconds)
            {
                NotReadyLimits = [.. p.Limits],
                ClientGoneSeconds = p.ClientGoneSeconds,
                ClientGoneAction = p.ClientGoneAction,
            },
            version,
            Now,
            p.UpdatedBy);

    private string Snapshot() => JsonSerializer.Serialize(_data);

    /// <summary>The data the grain must write: everything except lastActivity, which is only checkpointed.</summary>
    private string DurableSnapshot()
    {
        var node = JsonSerializer.SerializeToNode(_data)!.AsObject();
        if (node["Session"] is JsonObject session)
        {
            session.Remove(nameof(OpenSession.LastActivityAt));
        }

        // The preferences are a copy the grain re-reads from the tenant on activation, not state to save.
        node.Remove(nameof(AgentState.Preferences));

        return node.ToJsonString();
    }
}
