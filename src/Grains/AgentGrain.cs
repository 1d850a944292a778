using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using WorkSessions.Contracts;
using WorkSessions.Diagnostics;
using WorkSessions.Domain;
using WorkSessions.Hosting;
using WorkSessions.Reporting;
using WorkSessions.Storage;

namespace WorkSessions;

/// <summary>
/// Routes the agent's commands to <see cref="WorkSessionMachine"/>, stores transitions, tells the tenant
/// when a session opens, closes or changes team, status or state, and keeps one grain timer at the next deadline; while a
/// session is open or report events wait in its outbox it is a member of its wake shard, which wakes it after a lost
/// silo (docs/architecture.md#timers-and-reminders, docs/architecture.md#reporting).
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
    LocalLeaseWatches leaseWatches,
    WorkSessionsMetrics metrics,
    ILogger<AgentGrain> logger) : Grain, IAgentGrain, IAgentPreferencesTarget, IAgentPresenceTarget, IAgentWake, IRemindable
{
    // Built here, not on activation, so that the grain keeps no field of its own for what only the state needs.
    private readonly OutboxedState<AgentGrainState> _state = new(state, reportWriter, reporting.Value.OutboxCapacity, timeProvider, logger);
    private AgentTenantLink _tenant;

    // The state as stored plus what lives in memory only (heartbeats, preferences that changed nothing else).
    // Commands never change it in place: they produce a new state that replaces it once stored.
    private AgentState _live = null!;
    private DateTimeOffset? _storedLastActivity;
    private DeadlineTimer _deadlineTimer;
    private AgentWakeLink _wake = null!;
    private IGrainTimer? _outboxTimer;
    private readonly ActivationFence _fence = new();
    private OpenSessionGauge _openSession;
    private AgentObservers _observers;
    private AgentPresence _presence;

    private string Key => this.GetPrimaryKeyString();

    private AgentState Current => _live;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (tenantId, agentId) = AgentKey.Parse(Key);

        // One copy per tenant instead of one per agent (the report entries refer to it too); tenants are few.
        _tenant = new(string.Intern(tenantId), agentId);
        _wake = new(
            this, GrainFactory.GetWakeShard(options.Value.WakeShards, this.GetGrainId()), new(silo.Address, GrainContext.ActivationId),
            options.Value.WakeUpReminderPeriod, logger);
        _state.Owner = this.GetGrainId();
        // Presence is never stored: the loaded state holds the client absent from when open streams will have announced
        // themselves again (docs/architecture.md#client-presence), set before any command so that it costs no write.
        _state.State.Agent.ClientAbsentSince = _presence.Activated(timeProvider.GetUtcNow() + IAgentGrain.PresenceReannounceWindow);
        Swap(_state.State.Agent, stored: true);

        // Every activation follows a gap in which no timer ran, whatever caused it: the recovery rule applies, and with
        // an open session it is stored at once, which fences off any older activation still running (ActivationFence).
        var recovered = Current.Session is not null;
        _fence.Activated(await ReadPreferencesAsync());
        // The team may have changed its overrides, been deleted or lost this agent while no activation was listening.
        var team = await AgentTeamLink.AskAsync(GrainFactory, _tenant.TenantId, _tenant.AgentId, Current.Team);
        // A failed write must not fail the activation: heartbeats still work, and the timer retries the write.
        await GrainTasks.QuietlyAsync(RunAsync(team == Current.Team ? new WorkSessionCommand.None() : new WorkSessionCommand.ApplyTeam(team)));
        if (recovered)
        {
            AgentLog.Recovered(logger, Key);
        }

        _tenant.AnnounceOpenSession(GrainFactory, Current);

        // Whatever the previous activation stored but may not have delivered: inserts are idempotent.
        _state.HandOver();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Nothing to write: the next activation counts as activity and re-reads the tenant's preferences.
        _wake.Away(WorkSessionMachine.NextDeadline(Current) is not null || _state.HasUndelivered, silo.CanPlaceGrains);
        _presence.Forget(leaseWatches, Key);
        _deadlineTimer.Dispose();
        _outboxTimer?.Dispose();
        _openSession.Hold(false, metrics);
        return Task.CompletedTask;
    }

    public async Task<StartSessionResult> StartSession(AgentStatus status, string? reason)
    {
        var events = await RunCommandAsync(new WorkSessionCommand.Start(status, reason));
        return new StartSessionResult(events.OfType<SessionStarted>().Any(), WorkSessionMachine.View(_tenant.AgentId, Current));
    }

    public async Task RecordActivity()
    {
        if (Current.Session is null && _tenant.PreferencesMayBeStale(timeProvider.GetUtcNow()))
        {
            await RefreshPreferencesWithoutSessionAsync();
        }

        // The heartbeat path (docs/architecture.md#heartbeat-path): memory only, no storage write, no other grain.
        // The deadline timer notices the moved deadline when it fires and re-arms itself.
        Swap(WorkSessionMachine.RecordActivity(Current, timeProvider), stored: false);
        metrics.Heartbeat();
    }

    public async Task<AgentView> Continue()
    {
        await RunCommandAsync(new WorkSessionCommand.Continue());
        return WorkSessionMachine.View(_tenant.AgentId, Current);
    }

    public async Task<AgentView> SetStatus(AgentStatus status, string? reason)
    {
        await RunCommandAsync(new WorkSessionCommand.SetStatus(status, reason));
        return WorkSessionMachine.View(_tenant.AgentId, Current);
    }

    public async Task<SessionRecord> EndSession(Actor actor, string? note)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var events = await RunCommandAsync(new WorkSessionCommand.End(actor, note));
        return events.OfType<SessionEnded>().Single().Record;
    }

    public Task<AgentView> GetSnapshot() => Task.FromResult(WorkSessionMachine.View(_tenant.AgentId, Current));

    public Task<AgentView?> FindSnapshot() => Task.FromResult(_state.RecordExists ? WorkSessionMachine.View(_tenant.AgentId, Current) : null);

    public Task BeginEngagement(string engagementId) => RunCommandAsync(new WorkSessionCommand.BeginEngagement(engagementId));

    public Task EndEngagement(string engagementId) => RunCommandAsync(new WorkSessionCommand.EndEngagement(engagementId));

    public Task<AgentSubscription> Subscribe(IAgentObserver observer)
    {
        var renewed = _observers.Subscribe(observer, logger);
        return Task.FromResult(new AgentSubscription(renewed, WorkSessionMachine.View(_tenant.AgentId, Current)));
    }

    public Task Unsubscribe(IAgentObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task ClientConnected(string gatewayId, Guid streamId) => PresenceAsync(_presence.Connect(leaseWatches, Key, gatewayId, streamId, Current));

    public Task ClientDisconnected(string gatewayId, Guid streamId) =>
        PresenceAsync(_presence.Disconnect(leaseWatches, Key, gatewayId, streamId, timeProvider.GetUtcNow(), Current));

    public Task GatewayLost(string gatewayId, DateTimeOffset lastRenewedAt) => GrainTasks.QuietlyAsync(PresenceAsync(_presence.Lose(leaseWatches, Key, gatewayId, lastRenewedAt, Current)));

    public Task<DateTimeOffset?> GetClientAbsentSince() => Task.FromResult(Current.ClientAbsentSince);

    private async Task OnDeadlineTimerAsync(CancellationToken cancellationToken)
    {
        _deadlineTimer.Reset();
        if (silo.IsActive)
        {
            await CheckDeadlinesAsync();
        }
    }

    /// <summary>A timer's or reminder's check: a failed write is logged and retried with backoff rather than thrown to nobody.</summary>
    private Task CheckDeadlinesAsync() => GrainTasks.QuietlyAsync(RunAsync(new WorkSessionCommand.CheckDeadlines(), writePath: WriteAfterQueuedWork));

    /// <summary>A command's write: at once.</summary>
    private Task WriteNow(Func<Task> write) => writeGate.WriteAsync(write);

    /// <summary>What a deadline check decided: after the silo's queued work (docs/architecture.md#deadline-writes-go-last).</summary>
    private Task WriteAfterQueuedWork(Func<Task> write) => writeGate.WriteAsync(write, deadline: true);

    /// <summary>A client's command. With no open session nothing pushes preferences to the agent (the tenant pushes to its roster): it asks first.</summary>
    private async Task<IReadOnlyList<AgentEvent>> RunCommandAsync(WorkSessionCommand command)
    {
        await RefreshPreferencesWithoutSessionAsync();
        return await RunAsync(command);
    }

    /// <summary>
    /// The one path of every command: decide on a copy, store it when the transition says so, and only then make
    /// it the live state, tell the tenant and the observers, and re-arm the timer and the reminder. A prompt alone
    /// reaches the observers before its write (<see cref="EarlyPrompt"/>). Until the activation's fence is stored,
    /// every command runs after the recovery rule and is written with it.
    /// </summary>
    private async Task<IReadOnlyList<AgentEvent>> RunAsync(
        WorkSessionCommand command, bool checkpointIfDue = true, Func<Func<Task>, Task>? writePath = null)
    {
        var checkpoint = checkpointIfDue
            ? new ActivityCheckpoint(_storedLastActivity, options.Value.ActivityCheckpointInterval)
            : ActivityCheckpoint.Never;
        var fencing = _fence.MustWrite(Current);
        var transition = WorkSessionMachine.Decide(_tenant.AgentId, Current, _fence.Guard(command), timeProvider, checkpoint);
        var mustWrite = transition.MustWrite || fencing;
        var early = EarlyPrompt.GoesOutFirst(transition.Events, fencing, silo.IsActive);
        if (early)
        {
            await _observers.NotifyAsync(transition.Events);
        }

        if (mustWrite)
        {
            // A session this write opens is a member of its wake shard before it is stored.
            await _wake.BeforeWriteAsync(transition.State);

            // Hands the outbox over once stored.
            await WriteAsync(transition.State, ReportEntry.FromTransition(_tenant.TenantId, transition.Events, transition.State), writePath ?? WriteNow);
        }
        else
        {
            // Entries a full queue refused earlier, or handed over long ago and never acknowledged.
            _state.HandOver();
        }

        _fence.Passed();
        Swap(transition.State, stored: mustWrite);
        AgentLog.Transition(logger, Key, transition.Events);
        _tenant.Tell(GrainFactory, transition.Events, Current);
        metrics.Record(transition.Events);
        _openSession.Hold(Current.Session is not null, metrics);
        if (!early)
        {
            await _observers.NotifyAsync(transition.Events);
        }

        // The timer first: a shard that fails now must not leave a stored session without a deadline.
        ArmDeadlineTimer();
        await SyncWakeAsync();
        return transition.Events;
    }

    /// <summary>
    /// Stores the new state together with the transition's report entries: one write per transition, none per event.
    /// A failed write fails the command as a whole; the timer retries a due deadline once the backoff allows.
    /// </summary>
    private async Task WriteAsync(AgentState next, IReadOnlyList<ReportEntry> entries, Func<Func<Task>, Task> writePath)
    {
        try
        {
            await _state.WriteAsync(_state.State with { Agent = next }, entries, writePath);
        }
        catch (InconsistentStateException)
        {
            // Someone else wrote this agent's row (a duplicate activation): a fresh activation starts from it.
            DeactivateOnIdle();
            throw;
        }
        catch
        {
            _deadlineTimer.Reset();
            ArmDeadlineTimer();
            throw;
        }
    }

    /// <summary>Tells the machine what <see cref="AgentPresence"/> holds, if it holds otherwise (memory only, unless that acts).</summary>
    private Task PresenceAsync(WorkSessionCommand? command) => command is null ? Task.CompletedTask : RunAsync(command, checkpointIfDue: false);

    private void Swap(AgentState next, bool stored)
    {
        _live = next;
        _state.State.Agent = next;
        if (stored)
        {
            _storedLastActivity = next.Session?.LastActivityAt;
        }
    }

    private void ArmDeadlineTimer() =>
        _deadlineTimer.Arm(WorkSessionMachine.NextDeadline(Current), _state.RetryNotBefore, timeProvider.GetUtcNow(), RegisterDeadlineTimer);

    private IGrainTimer RegisterDeadlineTimer(TimeSpan dueTime) =>
        this.RegisterGrainTimer(OnDeadlineTimerAsync, new GrainTimerCreationOptions(dueTime, Timeout.InfiniteTimeSpan) { KeepAlive = true });

}
