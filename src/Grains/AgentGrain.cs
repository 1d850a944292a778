using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Text.Json.Serialization;
using Orleans.Storage;
using Orleans.Utilities;
using WorkSessions.Contracts;
using WorkSessions.Diagnostics;
using WorkSessions.Domain;
using WorkSessions.Hosting;
using WorkSessions.Reporting;
using WorkSessions.Storage;

namespace WorkSessions;

/// <summary>The agent grain's persisted state.</summary>
internal sealed class AgentGrainState
{
    /// <summary>The state machine's data. Stored as "Session" by earlier versions, so existing rows still load.</summary>
    [JsonPropertyName("Session")]
    public AgentState Agent { get; set; } = new();

    /// <summary>Report events stored with the transitions that produced them and not yet known to be delivered.</summary>
    public List<ReportEntry> Outbox { get; set; } = [];
}

/// <summary>
/// Routes the agent's commands to <see cref="WorkSessionMachine"/>, stores transitions, tells the tenant
/// when a session opens or closes, and keeps one grain timer at the next deadline plus a durable
/// reminder while a session is open or report events wait in its outbox (docs/architecture.md#timers-and-reminders,
/// docs/architecture.md#reporting).
/// </summary>
[GrainType("agent")]
internal sealed partial class AgentGrain(
    [PersistentState(StateNames.Agent, StorageNames.WorkSessions)] IPersistentState<AgentGrainState> state,
    TimeProvider timeProvider,
    IOptions<WorkSessionsOptions> options,
    IOptions<ReportingOptions> reporting,
    ReportWriter reportWriter,
    StateWriteGate writeGate,
    LocalSiloStatus silo,
    WorkSessionsMetrics metrics,
    ILogger<AgentGrain> logger) : Grain, IAgentGrain, IAgentPreferencesTarget, IRemindable
{
    internal const string WakeUpReminderName = "work-session-wake-up";
    private static readonly TimeSpan PreferencesRecheckInterval = TimeSpan.FromSeconds(5);

    private string _tenantId = "";
    private string _agentId = "";

    // The state as stored plus what lives in memory only (heartbeats, preferences that changed nothing else).
    // Commands never change it in place: they produce a new state that replaces it once stored.
    private WorkSessionMachine _live = null!;
    private DateTimeOffset? _storedLastActivity;
    private IGrainTimer? _deadlineTimer;
    private DateTimeOffset? _timerDueAt;
    private bool? _wakeUpRegistered;
    private DateTimeOffset _preferencesCheckedAt = DateTimeOffset.MinValue;
    private readonly WriteBackoff _writeBackoff = new();
    private readonly ReportOutbox _outbox = new(reporting.Value.OutboxCapacity);
    private readonly ActivationFence _fence = new();
    private bool _countedOpen;

    // Created by the first subscription: most agents never have one, and an empty manager is a few hundred bytes.
    private ObserverManager<IAgentObserver>? _observers;

    private string Key => this.GetPrimaryKeyString();

    private ITenantRoster Roster => GrainFactory.GetTenantRoster(_tenantId);

    private AgentState Current => _live.Data;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenantId, _agentId) = AgentKey.Parse(Key);

        // One copy per tenant instead of one per agent (the report entries refer to it too); tenants are few.
        _tenantId = string.Intern(_tenantId);
        Swap(state.State.Agent, stored: true);

        // Every activation follows a gap in which no timer ran, whatever caused it: the recovery rule applies, and with
        // an open session it is stored at once, which fences off any older activation still running (ActivationFence).
        var preferences = await GrainFactory.GetTenantGrain(_tenantId).GetPreferences();
        _preferencesCheckedAt = timeProvider.GetUtcNow();
        var recovered = Current.Session is not null;
        _fence.Activated(preferences);
        // A failed write must not fail the activation: heartbeats still work, and the timer retries the write.
        await RunQuietlyAsync(static _ => []);
        if (recovered)
        {
            LogRecovered(logger, Key);
        }

        AnnounceOpenSession();

        // Whatever the previous activation stored but may not have delivered: inserts are idempotent.
        HandOverOutbox();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Nothing to write: the next activation counts as activity and re-reads the tenant's preferences.
        _deadlineTimer?.Dispose();
        CountOpenSession(false);
        return Task.CompletedTask;
    }

    public async Task<StartSessionResult> StartSession(AgentStatus status, string? reason)
    {
        await RefreshPreferencesWithoutSessionAsync();
        var events = await RunAsync(machine => machine.Start(status, reason));
        return new StartSessionResult(events.OfType<SessionStarted>().Any(), _live.ToView());
    }

    public async Task RecordActivity()
    {
        // Without a session a heartbeat is only answered with 409; asking the tenant each time would put it on
        // the heartbeat path of every idle client, so the answer may be a few seconds old.
        if (Current.Session is null && timeProvider.GetUtcNow() - _preferencesCheckedAt >= PreferencesRecheckInterval)
        {
            await RefreshPreferencesWithoutSessionAsync();
        }

        // The heartbeat path (docs/architecture.md#heartbeat-path): memory only, no storage write, no other grain.
        // The deadline timer notices the moved deadline when it fires and re-arms itself.
        _live.RecordActivity();
        metrics.Heartbeat();
    }

    public async Task<AgentView> Continue()
    {
        await RefreshPreferencesWithoutSessionAsync();
        await RunAsync(machine => machine.Continue());
        return _live.ToView();
    }

    public async Task<AgentView> SetStatus(AgentStatus status, string? reason)
    {
        await RefreshPreferencesWithoutSessionAsync();
        await RunAsync(machine => machine.SetStatus(status, reason));
        return _live.ToView();
    }

    public async Task<SessionRecord> EndSession(Actor actor, string? note)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await RefreshPreferencesWithoutSessionAsync();
        var events = await RunAsync(machine => machine.End(actor, note));
        return events.OfType<SessionEnded>().Single().Record;
    }

    public Task<AgentView> GetSnapshot() => Task.FromResult(_live.ToView());

    public Task<AgentView?> FindSnapshot() => Task.FromResult(state.RecordExists ? _live.ToView() : null);

    public async Task BeginEngagement(string engagementId)
    {
        await RefreshPreferencesWithoutSessionAsync();
        await RunAsync(machine => machine.BeginEngagement(engagementId));
    }

    public async Task EndEngagement(string engagementId)
    {
        await RefreshPreferencesWithoutSessionAsync();
        await RunAsync(machine => machine.EndEngagement(engagementId));
    }

    public Task<AgentSubscription> Subscribe(IAgentObserver observer)
    {
        _observers ??= new(IAgentGrain.ObserverLease, logger);
        var renewed = _observers.Observers.ContainsKey(observer);
        _observers.Subscribe(observer, observer);
        return Task.FromResult(new AgentSubscription(renewed, _live.ToView()));
    }

    public Task Unsubscribe(IAgentObserver observer)
    {
        _observers?.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task<bool> ApplyPreferences(TenantPreferences preferences)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        _fence.Heard(preferences);
        var held = Current.Preferences;
        await RunAsync(machine => machine.ApplyPreferences(preferences), checkpointIfDue: false);
        if (Current.Session is not null && Current.Preferences != held)
        {
            metrics.PreferencesAdopted();
        }

        return Current.Session is not null;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != WakeUpReminderName || !silo.IsActive)
        {
            return;
        }

        // Ticks may repeat or be missed; checking deadlines against the clock is idempotent. A failed write is
        // already logged and retried by the deadline timer.
        await RunQuietlyAsync(machine => machine.CheckDeadlines(), deadline: true);
        AnnounceOpenSession();
        HandOverOutbox();
        if (!_live.NeedsWakeUps && state.State.Outbox.Count > 0 && !_outbox.HasUndelivered(state.State.Outbox))
        {
            // All delivered and nothing else will write soon: one write trims the outbox before the wake-up goes, so a
            // later activation has nothing to hand over again.
            await TrimDeliveredOutboxAsync();
        }

        await SyncWakeUpReminderAsync();
    }

    private async Task TrimDeliveredOutboxAsync()
    {
        try
        {
            await WriteAsync(Current, []);
        }
        catch (Exception exception) when (exception is not WorkSessionException)
        {
            // WriteAsync logged it; the delivered entries stay until a later write.
        }
    }

    /// <summary>Hands the stored outbox entries the writer has not taken to it; a full queue leaves them for the next wake-up.</summary>
    private void HandOverOutbox()
    {
        var now = timeProvider.GetUtcNow();
        var pending = _outbox.NotHandedOver(state.State.Outbox, now);
        if (pending.Count > 0 && reportWriter.TryEnqueue(_outbox, pending))
        {
            _outbox.HandedOver(pending, now);
        }
    }

    private async Task OnDeadlineTimerAsync(CancellationToken cancellationToken)
    {
        _timerDueAt = null;
        if (silo.IsActive)
        {
            await RunQuietlyAsync(machine => machine.CheckDeadlines(), deadline: true);
        }
    }

    /// <summary>
    /// Tells the tenant again about the open session, on activation and on each wake-up tick. Harmless when it
    /// knows; it repairs a roster that lost a one-way message or a batch of changes with a silo, and the tenant
    /// answers with its preferences if the agent's differ (a lost push, a tenant restored from a backup).
    /// </summary>
    private void AnnounceOpenSession()
    {
        if (Current.Session is { } open)
        {
            Roster.SessionOpened(_agentId, open.SessionId, Current.Preferences).Ignore();
        }
    }

    /// <summary>
    /// With no open session the agent holds no live subscription to preference changes (the tenant pushes
    /// only to its roster), so it asks the tenant: the feature may have been turned on since it last looked.
    /// </summary>
    private async Task RefreshPreferencesWithoutSessionAsync()
    {
        if (Current.Session is null)
        {
            var preferences = await GrainFactory.GetTenantGrain(_tenantId).GetPreferences();
            _preferencesCheckedAt = timeProvider.GetUtcNow();
            _fence.Heard(preferences);
            await RunAsync(machine => machine.ApplyPreferences(preferences));
        }
    }

    /// <summary>A timer's or reminder's command: a failed write is retried with backoff rather than thrown to nobody.</summary>
    private async Task RunQuietlyAsync(Func<WorkSessionMachine, IReadOnlyList<AgentEvent>> command, bool deadline = false)
    {
        try
        {
            await RunAsync(command, deadline: deadline);
        }
        catch (Exception exception) when (exception is not WorkSessionException)
        {
            // RunAsync logged it and armed the retry.
        }
    }

    /// <summary>
    /// The one path of every command: decide on a copy, store it when the transition says so, and only then make
    /// it the live state, tell the tenant and the observers, and re-arm the timer and the reminder. A prompt alone
    /// reaches the observers before its write (docs/architecture.md#storage). What a deadline check decided is written
    /// after the silo's queued work (<paramref name="deadline"/>, docs/architecture.md#deadline-writes-go-last). Until
    /// the activation's fence is stored, every command runs after the recovery rule and is written with it.
    /// </summary>
    private async Task<IReadOnlyList<AgentEvent>> RunAsync(
        Func<WorkSessionMachine, IReadOnlyList<AgentEvent>> command, bool checkpointIfDue = true, bool deadline = false)
    {
        var checkpoint = checkpointIfDue
            ? new ActivityCheckpoint(_storedLastActivity, options.Value.ActivityCheckpointInterval)
            : ActivityCheckpoint.Never;
        var fencing = _fence.MustWrite(Current);
        var transition = WorkSessionMachine.Decide(_agentId, Current, timeProvider, checkpoint, _fence.Guard(command));
        var mustWrite = transition.MustWrite || fencing;

        // A prompt is shown before it is stored: a crash before its write lands re-prompts anyway (the recovery rule),
        // and a failed write leaves the session active with the timer retrying, so the agent is prompted again with
        // the deadline that is finally stored. Nothing else goes out early: an end, a status or a withdrawn prompt
        // that failed to store never happened.
        // Not before the fence is stored, nor on a silo that is no longer active: an activation that may have been
        // superseded shows nothing it has not stored.
        var promptsOnly = transition.Events.Count > 0 && transition.Events.All(agentEvent => agentEvent is InactivityWarned);
        var early = promptsOnly && !fencing && silo.IsActive;
        if (early && _observers is { Count: > 0 } earlyObservers)
        {
            await earlyObservers.Notify(observer => observer.OnAgentEvents(transition.Events));
        }

        if (mustWrite)
        {
            await WriteAsync(transition.State, ReportEntry.FromTransition(_tenantId, transition.Events, transition.State), deadline);
        }

        _fence.Passed();
        Swap(transition.State, stored: mustWrite);
        HandOverOutbox();
        foreach (var agentEvent in transition.Events)
        {
            switch (agentEvent)
            {
                case SessionStarted started:
                    LogSessionStarted(logger, Key, started.SessionId);
                    Roster.SessionOpened(_agentId, started.SessionId, Current.Preferences).Ignore();
                    break;
                case InactivityWarned warned:
                    LogWarned(logger, Key, warned.Deadline);
                    break;
                case SessionEnded ended:
                    LogSessionEnded(logger, Key, ended.Record.SessionId, ended.Record.EndReason);
                    Roster.SessionClosed(_agentId, ended.Record.SessionId).Ignore();
                    break;
                case StatusChanged changed:
                    LogStatusChanged(logger, Key, changed.From, changed.To, changed.Reason, changed.Actor.Role);
                    break;
                case WarningCleared cleared:
                    LogWarningCleared(logger, Key, cleared.Cause);
                    break;
            }
        }

        metrics.Record(transition.Events);
        CountOpenSession(Current.Session is not null);
        if (!early && transition.Events.Count > 0 && _observers is { Count: > 0 } observers)
        {
            await observers.Notify(observer => observer.OnAgentEvents(transition.Events));
        }

        // The timer first: a reminder service that fails now must not leave a stored session without a deadline.
        ArmDeadlineTimer();
        await SyncWakeUpReminderAsync();
        return transition.Events;
    }

    /// <summary>
    /// Stores the new state together with the transition's report entries (the outbox), trimming entries already
    /// delivered: one write per transition, none per event. A deadline's write may wait for the silo's queued work first.
    /// </summary>
    private async Task WriteAsync(AgentState next, IReadOnlyList<ReportEntry> entries, bool deadline = false)
    {
        var live = state.State.Agent;
        var liveOutbox = state.State.Outbox;
        var outbox = _outbox.Next(liveOutbox, entries, out var dropped);
        state.State.Agent = next;
        state.State.Outbox = outbox;
        try
        {
            await writeGate.WriteAsync(state.WriteStateAsync, deadline);
            _outbox.Stored(outbox);
            if (dropped > 0)
            {
                reportWriter.Dropped(Key, dropped);
            }
        }
        catch (Exception exception)
        {
            // The command fails as a whole and the live state stays as it was. The timer retries a due deadline
            // after a bounded, jittered pause instead of at once, so a read-only or full database is not hammered.
            state.State.Agent = live;
            state.State.Outbox = liveOutbox;
            var retryIn = _writeBackoff.Failed(timeProvider.GetUtcNow());
            if (_writeBackoff.Failures == 1)
            {
                LogWriteFailing(logger, exception, Key, retryIn);
            }
            else
            {
                LogWriteStillFailing(logger, Key, _writeBackoff.Failures, exception.GetType().Name, retryIn);
            }

            if (exception is InconsistentStateException)
            {
                // Someone else wrote this agent's row (a duplicate activation): a fresh activation starts from it.
                DeactivateOnIdle();
            }
            else
            {
                _timerDueAt = null;
                ArmDeadlineTimer();
            }

            throw;
        }

        if (_writeBackoff.Failures > 0)
        {
            LogWriteRecovered(logger, Key, _writeBackoff.Failures);
            _writeBackoff.Succeeded();
        }
    }

    /// <summary>Keeps this activation's share of the open-session gauge.</summary>
    private void CountOpenSession(bool open)
    {
        if (open != _countedOpen)
        {
            _countedOpen = open;
            metrics.OpenSessionHeld(open);
        }
    }

    private void Swap(AgentState next, bool stored)
    {
        _live = new WorkSessionMachine(_agentId, next, timeProvider);
        state.State.Agent = next;
        if (stored)
        {
            _storedLastActivity = next.Session?.LastActivityAt;
        }
    }

    private void ArmDeadlineTimer()
    {
        if (_live.NextDeadline is not { } next)
        {
            // Disposed rather than parked: a kept-alive timer would pin an idle grain in memory.
            _deadlineTimer?.Dispose();
            _deadlineTimer = null;
            _timerDueAt = null;
            return;
        }

        if (_writeBackoff.RetryNotBefore is { } retry && retry > next)
        {
            next = retry;
        }

        if (_timerDueAt is { } armed && armed <= next)
        {
            // Activity only moves deadlines later: the timer fires early and re-arms, instead of churning per heartbeat.
            return;
        }

        var dueTime = next - timeProvider.GetUtcNow();
        if (dueTime < TimeSpan.Zero)
        {
            dueTime = TimeSpan.Zero;
        }

        if (_deadlineTimer is null)
        {
            _deadlineTimer = this.RegisterGrainTimer(
                OnDeadlineTimerAsync,
                new GrainTimerCreationOptions(dueTime, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            _deadlineTimer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }

        _timerDueAt = next;
    }

    private async Task SyncWakeUpReminderAsync()
    {
        // While a session is open, and until every report event of this agent is delivered.
        var needed = _live.NeedsWakeUps || _outbox.HasUndelivered(state.State.Outbox);
        if (_wakeUpRegistered == needed)
        {
            return;
        }

        try
        {
            if (needed)
            {
                // A due time of zero is reported to skip the first tick (dotnet/orleans#9385): start one period out.
                var period = options.Value.WakeUpReminderPeriod;
                await this.RegisterOrUpdateReminder(WakeUpReminderName, period, period);
            }
            else if (await this.GetReminder(WakeUpReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            _wakeUpRegistered = needed;
        }
        catch (Exception exception)
        {
            // The transition is stored and the timer armed; the next commit (a timer tick at the latest) retries.
            _wakeUpRegistered = null;
            LogReminderFailed(logger, exception, Key);
        }
    }

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} started session {SessionId}")]
    private static partial void LogSessionStarted(ILogger logger, string agentKey, Guid sessionId);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} warned, deadline {Deadline}")]
    private static partial void LogWarned(ILogger logger, string agentKey, DateTimeOffset deadline);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} ended session {SessionId}: {EndReason}")]
    private static partial void LogSessionEnded(ILogger logger, string agentKey, Guid sessionId, EndReason endReason);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} status {From} → {To} ({Reason}) by {ActorRole}")]
    private static partial void LogStatusChanged(ILogger logger, string agentKey, AgentStatus from, AgentStatus to, string? reason, ActorRole actorRole);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} prompt withdrawn: {Cause}")]
    private static partial void LogWarningCleared(ILogger logger, string agentKey, WarningClearedCause cause);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} activated with an open session: the gap counts as activity")]
    private static partial void LogRecovered(ILogger logger, string agentKey);

    [LoggerMessage(LogLevel.Warning, "Agent {AgentKey} could not write its state; deadlines are retried in {RetryIn}")]
    private static partial void LogWriteFailing(ILogger logger, Exception exception, string agentKey, TimeSpan retryIn);

    [LoggerMessage(LogLevel.Debug, "Agent {AgentKey} write failed again ({Failures} in a row, {Error}); retry in {RetryIn}")]
    private static partial void LogWriteStillFailing(ILogger logger, string agentKey, int failures, string error, TimeSpan retryIn);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} writes its state again after {Failures} failed writes")]
    private static partial void LogWriteRecovered(ILogger logger, string agentKey, int failures);

    [LoggerMessage(LogLevel.Warning, "Agent {AgentKey} could not register or remove its wake-up reminder")]
    private static partial void LogReminderFailed(ILogger logger, Exception exception, string agentKey);
}
