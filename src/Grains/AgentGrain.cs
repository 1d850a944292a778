using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;
using WorkSessions.Contracts;
using WorkSessions.Domain;
using WorkSessions.Hosting;

namespace WorkSessions;

/// <summary>The agent grain's persisted state.</summary>
public sealed class AgentGrainState
{
    public AgentSessionData Session { get; set; } = new();

    /// <summary>
    /// Written by a graceful deactivation. An activation that does not find it follows an outage
    /// (a crash or a lost silo) and applies the recovery rule of DESIGN §4.
    /// </summary>
    public bool DeactivatedCleanly { get; set; }
}

/// <summary>
/// Routes the agent's commands to <see cref="WorkSession"/>, persists transitions, tells the tenant
/// when a session opens or closes, and keeps one grain timer at the next deadline plus a durable
/// reminder while a session can end by itself.
/// </summary>
[GrainType("agent")]
internal sealed partial class AgentGrain(
    [PersistentState(StateNames.Agent, StorageNames.WorkSessions)] IPersistentState<AgentGrainState> state,
    TimeProvider timeProvider,
    IOptions<WorkSessionOptions> options,
    ILogger<AgentGrain> logger) : Grain, IAgentGrain, IRemindable
{
    internal const string WakeUpReminderName = "work-session-wake-up";
    private static readonly TimeSpan PreferencesRecheckInterval = TimeSpan.FromSeconds(5);

    private string _tenantId = "";
    private WorkSession _session = null!;
    private IGrainTimer? _deadlineTimer;
    private DateTimeOffset? _timerDueAt;
    private bool? _wakeUpRegistered;
    private DateTimeOffset? _savedLastActivity;
    private DateTimeOffset _preferencesCheckedAt = DateTimeOffset.MinValue;
    private readonly ObserverManager<IAgentObserver> _observers = new(IAgentGrain.ObserverLease, logger);

    private ITenantGrain Tenant => GrainFactory.GetTenantGrain(_tenantId);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenantId, var agentId) = AgentKey.Parse(this.GetPrimaryKeyString());
        LoadSession(agentId);
        var afterOutage = !state.State.DeactivatedCleanly;
        var forceWrite = state.State.DeactivatedCleanly;
        state.State.DeactivatedCleanly = false;

        var events = _session.Activate(afterOutage, await Tenant.GetPreferences());
        _preferencesCheckedAt = timeProvider.GetUtcNow();
        if (afterOutage && _session.Data.Session is not null)
        {
            LogRecovered(logger, this.GetPrimaryKeyString());
        }

        await CommitAsync(events, forceWrite);
        AnnounceOpenSession();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deadlineTimer?.Dispose();
        if (_session?.Data.Session is null)
        {
            return;
        }

        state.State.DeactivatedCleanly = true;
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch (Exception exception)
        {
            // Without the marker the next activation treats this as an outage, which only favours the agent.
            LogDeactivationWriteFailed(logger, exception, this.GetPrimaryKeyString());
        }
    }

    public async Task<StartSessionResult> StartSession(AgentStatus status, string? reason)
    {
        await RefreshPreferencesWithoutSessionAsync();
        var events = _session.Start(status, reason);
        await CommitAsync(events);
        return new StartSessionResult(events.OfType<SessionStarted>().Any(), _session.ToView());
    }

    public async Task RecordActivity()
    {
        // Without a session a heartbeat is only answered with 409; asking the tenant each time would put it on
        // the heartbeat path of every idle client, so the answer may be a few seconds old.
        if (_session.Data.Session is null && timeProvider.GetUtcNow() - _preferencesCheckedAt >= PreferencesRecheckInterval)
        {
            await RefreshPreferencesWithoutSessionAsync();
        }

        // The heartbeat path: memory only, no storage write, no other grain. The deadline timer
        // notices the moved deadline when it fires and re-arms itself.
        _session.RecordActivity();
    }

    public async Task<AgentView> Continue()
    {
        await RefreshPreferencesWithoutSessionAsync();
        await CommitAsync(_session.Continue());
        return _session.ToView();
    }

    public async Task<AgentView> SetStatus(AgentStatus status, string? reason)
    {
        await RefreshPreferencesWithoutSessionAsync();
        await CommitAsync(_session.SetStatus(status, reason));
        return _session.ToView();
    }

    public async Task<SessionRecord> EndSession(Actor actor, string? note)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await RefreshPreferencesWithoutSessionAsync();
        var events = _session.End(actor, note);
        await CommitAsync(events);
        return events.OfType<SessionEnded>().Single().Record;
    }

    public Task<AgentView> GetSnapshot() => Task.FromResult(_session.ToView());

    public Task<AgentView?> FindSnapshot() => Task.FromResult(state.RecordExists ? _session.ToView() : null);

    public async Task BeginEngagement(string engagementId)
    {
        await RefreshPreferencesWithoutSessionAsync();
        await CommitAsync(_session.BeginEngagement(engagementId));
    }

    public async Task EndEngagement(string engagementId)
    {
        await RefreshPreferencesWithoutSessionAsync();
        await CommitAsync(_session.EndEngagement(engagementId));
    }

    public Task<AgentSubscription> Subscribe(IAgentObserver observer)
    {
        var renewed = _observers.Observers.ContainsKey(observer);
        _observers.Subscribe(observer, observer);
        return Task.FromResult(new AgentSubscription(renewed, _session.ToView()));
    }

    public Task Unsubscribe(IAgentObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task<bool> ApplyPreferences(TenantPreferences preferences)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        await CommitAsync(_session.ApplyPreferences(preferences));
        return _session.Data.Session is not null;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != WakeUpReminderName)
        {
            return;
        }

        // Ticks may repeat or be missed; checking deadlines against the clock is idempotent.
        await CommitAsync(_session.CheckDeadlines());
        AnnounceOpenSession();
    }

    private async Task OnDeadlineTimerAsync(CancellationToken cancellationToken)
    {
        _timerDueAt = null;
        var events = _session.CheckDeadlines();
        var lastActivity = _session.Data.Session?.LastActivityAt;
        var checkpointDue = lastActivity is { } activity
            && (_savedLastActivity is not { } saved || activity - saved >= options.Value.ActivityCheckpointInterval);
        await CommitAsync(events, forceWrite: checkpointDue);
    }

    /// <summary>
    /// Tells the tenant again about the open session, on activation and on each wake-up tick. Harmless when it
    /// knows; it repairs a roster that lost a one-way message or a batch of changes with a silo, and the tenant
    /// answers with newer preferences if a push never arrived.
    /// </summary>
    private void AnnounceOpenSession()
    {
        if (_session.Data.Session is { } open)
        {
            Tenant.SessionOpened(_session.AgentId, open.SessionId, _session.Data.Preferences.Version).Ignore();
        }
    }

    /// <summary>
    /// With no open session the agent holds no live subscription to preference changes (the tenant pushes
    /// only to its roster), so it asks the tenant: the feature may have been turned on since it last looked.
    /// </summary>
    private async Task RefreshPreferencesWithoutSessionAsync()
    {
        if (_session.Data.Session is null)
        {
            var preferences = await Tenant.GetPreferences();
            _preferencesCheckedAt = timeProvider.GetUtcNow();
            await CommitAsync(_session.ApplyPreferences(preferences));
        }
    }

    private async Task CommitAsync(IReadOnlyList<AgentEvent> events, bool forceWrite = false)
    {
        if (_session.HasUnsavedChanges || forceWrite)
        {
            await WriteStateAsync();
        }

        foreach (var agentEvent in events)
        {
            switch (agentEvent)
            {
                case SessionStarted started:
                    LogSessionStarted(logger, this.GetPrimaryKeyString(), started.SessionId);
                    Tenant.SessionOpened(_session.AgentId, started.SessionId, _session.Data.Preferences.Version).Ignore();
                    break;
                case InactivityWarned warned:
                    LogWarned(logger, this.GetPrimaryKeyString(), warned.Deadline);
                    break;
                case SessionEnded ended:
                    LogSessionEnded(logger, this.GetPrimaryKeyString(), ended.Record.SessionId, ended.Record.EndReason);
                    Tenant.SessionClosed(_session.AgentId, ended.Record.SessionId).Ignore();
                    break;
            }
        }

        if (events.Count > 0 && _observers.Count > 0)
        {
            await _observers.Notify(observer => observer.OnAgentEvents(events));
        }

        // The timer first: a reminder service that fails now must not leave a stored session without a deadline.
        ArmDeadlineTimer();
        await SyncWakeUpReminderAsync();
    }

    private async Task WriteStateAsync()
    {
        try
        {
            await state.WriteStateAsync();
            _session.MarkSaved();
            _savedLastActivity = _session.Data.Session?.LastActivityAt;
        }
        catch (Exception exception)
        {
            // The command fails as a whole: forget its in-memory changes and continue from what is stored.
            LogWriteFailed(logger, exception, this.GetPrimaryKeyString());
            var seen = _session.Data.Session is { } open ? (open.SessionId, open.LastActivityAt) : default;
            try
            {
                await state.ReadStateAsync();
                LoadSession(_session.AgentId);
                _session.CarryOverActivity(seen.SessionId, seen.LastActivityAt);
                ArmDeadlineTimer();
            }
            catch (Exception readException)
            {
                LogWriteFailed(logger, readException, this.GetPrimaryKeyString());
                DeactivateOnIdle();
            }

            throw;
        }
    }

    private void LoadSession(string agentId)
    {
        _session = new WorkSession(agentId, state.State.Session, timeProvider);
        _savedLastActivity = state.State.Session.Session?.LastActivityAt;
    }

    private void ArmDeadlineTimer()
    {
        if (_session.NextDeadline is not { } next)
        {
            // Disposed rather than parked: a kept-alive timer would pin an idle grain in memory.
            _deadlineTimer?.Dispose();
            _deadlineTimer = null;
            _timerDueAt = null;
            return;
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
        var needed = _session.NeedsWakeUps;
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
            LogReminderFailed(logger, exception, this.GetPrimaryKeyString());
        }
    }

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} started session {SessionId}")]
    private static partial void LogSessionStarted(ILogger logger, string agentKey, Guid sessionId);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} warned, deadline {Deadline}")]
    private static partial void LogWarned(ILogger logger, string agentKey, DateTimeOffset deadline);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} ended session {SessionId}: {EndReason}")]
    private static partial void LogSessionEnded(ILogger logger, string agentKey, Guid sessionId, EndReason endReason);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} recovered an open session after an outage")]
    private static partial void LogRecovered(ILogger logger, string agentKey);

    [LoggerMessage(LogLevel.Warning, "Agent {AgentKey} could not write its state")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string agentKey);

    [LoggerMessage(LogLevel.Warning, "Agent {AgentKey} could not register or remove its wake-up reminder")]
    private static partial void LogReminderFailed(ILogger logger, Exception exception, string agentKey);

    [LoggerMessage(LogLevel.Warning, "Agent {AgentKey} could not record a clean deactivation")]
    private static partial void LogDeactivationWriteFailed(ILogger logger, Exception exception, string agentKey);
}
