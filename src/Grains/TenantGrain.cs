using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Text.Json.Serialization;
using Orleans.Storage;
using WorkSessions.Contracts;
using WorkSessions.Hosting;
using WorkSessions.Reporting;
using WorkSessions.Storage;

namespace WorkSessions;

/// <summary>The tenant grain's persisted state: small, and not rewritten when sessions open or close.</summary>
internal sealed class TenantGrainState
{
    public TenantPreferences Preferences { get; set; } = TenantPreferences.Default;

    /// <summary>
    /// The preferences version every agent on the roster was pushed. Behind <see cref="Preferences"/> while a push is
    /// running; an activation that finds it behind (the push was cut off by a crash or a deactivation) pushes again.
    /// </summary>
    public long PushedVersion { get; set; }

    /// <summary>
    /// The roster as earlier versions stored it in this row (rewritten whole every few seconds). Read once by an
    /// activation that finds it, and dropped by its next write: the roster now lives in memory, rebuilt from the report
    /// tables' open sessions and the agents' announcements.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, Guid>? Roster { get; set; }

    /// <summary>Preference changes stored with the change and not yet known to be in the report tables.</summary>
    public List<ReportEntry> Outbox { get; set; } = [];
}

/// <summary>
/// Holds the admin preferences and the roster, pushes preference changes to agents with open sessions after the change
/// has answered, and reports each change through its outbox (docs/architecture.md#tenant-grain,
/// docs/architecture.md#reporting).
/// </summary>
[GrainType("tenant")]
internal sealed partial class TenantGrain(
    [PersistentState(StateNames.Tenant, StorageNames.WorkSessions)] IPersistentState<TenantGrainState> state,
    TimeProvider timeProvider,
    IOptions<WorkSessionsOptions> options,
    IOptions<ReportingOptions> reporting,
    ReportWriter reportWriter,
    IReportStore reportStore,
    LocalSiloStatus silo,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain, ITenantRoster, IRemindable
{
    internal const string OutboxReminderName = "report-outbox";

    // How long a preference change waits for its report event to be stored before it answers anyway.
    private static readonly TimeSpan HistoryWaitLimit = TimeSpan.FromSeconds(1);

    // What GetPreferences answers: only ever a stored version, because that call interleaves with an update that is
    // still writing.
    private TenantPreferences _published = TenantPreferences.Default;

    // Agents with an open session and that session's id, in agent-id order. In memory only: a roster change costs no
    // write however large the tenant. An activation rebuilds it from the report tables' open sessions, and every agent
    // with an open session re-announces itself on each wake-up tick, which repairs whatever those did not know yet.
    private readonly Roster _roster = new();

    // The version this activation has pushed to the whole roster (the stored one may lag behind a failed write).
    private long _pushedVersion;

    // Agents that announced themselves holding other preferences than the published ones: pushed one by one.
    private readonly HashSet<string> _stragglers = new(StringComparer.Ordinal);

    // The running push; null when none. Interleaved with the grain's calls so that announcements, reads and the next
    // change are answered while thousands of agents are being called.
    private IGrainTimer? _push;

    // The push writes PushedVersion while an update may be writing the preferences: one write at a time.
    private readonly SemaphoreSlim _writing = new(1, 1);

    private readonly ReportOutbox _outbox = new(reporting.Value.OutboxCapacity);

    private string TenantId => WorkSessionsGrains.TenantIdOf(this.GetPrimaryKeyString());

    private bool SweepPending => _pushedVersion != _published.Version;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadRosterAsync(cancellationToken);
        await FenceAsync();
        _published = state.State.Preferences;
        _pushedVersion = state.State.PushedVersion;
        HandOverOutbox();
        if (SweepPending)
        {
            LogPushResumed(logger, TenantId, _published.Version, _roster.Count);
            StartPush();
        }
    }

    /// <summary>
    /// The open sessions the report tables know, then what an earlier version stored in this row. Sessions too recent
    /// for the tables (their start still in an agent's outbox) join with the agent's next announcement.
    /// </summary>
    private async Task LoadRosterAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var (agentId, sessionId) in await reportStore.ReadOpenSessionsAsync(TenantId, cancellationToken))
            {
                _roster.Set(agentId, sessionId);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Not fatal: every open session re-announces itself within a wake-up period.
            LogRosterLoadFailed(logger, exception, TenantId);
        }

        foreach (var (agentId, sessionId) in state.State.Roster ?? [])
        {
            _roster.TryAdd(agentId, sessionId);
        }

        // The next write leaves it out.
        state.State.Roster = null;
    }

    /// <summary>
    /// One write of the row as read, so that a write of an older activation still running (a paused silo's, resumed
    /// before it learns it was declared dead) is refused by the etag rather than changing the preferences behind this
    /// one (docs/architecture.md#recovery-rule). A row written since it was read is read again. Tenants are few: one
    /// small write per activation. A failed write leaves the fence to the next write, which reloads on a conflict.
    /// </summary>
    private async Task FenceAsync()
    {
        if (!state.RecordExists)
        {
            // Nothing stored, nothing an older activation could overwrite: its first write would create the row, and this
            // one's first write then fails on the etag and reloads it.
            return;
        }

        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            await ReloadQuietlyAsync();
        }
        catch (Exception exception)
        {
            LogFenceFailed(logger, exception, TenantId);
        }
    }

    public Task<TenantPreferences> GetPreferences() => Task.FromResult(_published);

    public async Task<TenantPreferences> UpdatePreferences(WorkSessionPreferences preferences, long? expectedVersion, string updatedBy)
    {
        if (preferences is null)
        {
            throw new WorkSessionException(ErrorCodes.InvalidPreferences, "The preferences are required.");
        }

        preferences = Domain.PreferenceRules.Normalize(preferences);
        options.Value.PreferenceRules.Validate(preferences);

        // The push interleaves with this call and writes too: the version is judged and written under one hold.
        await _writing.WaitAsync();
        try
        {
            return await UpdateHoldingWritesAsync(preferences, expectedVersion, updatedBy);
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task<TenantPreferences> UpdateHoldingWritesAsync(WorkSessionPreferences preferences, long? expectedVersion, string updatedBy)
    {
        if (expectedVersion is { } expected && expected != _published.Version)
        {
            throw new WorkSessionException(
                ErrorCodes.VersionMismatch,
                $"The preferences are at version {_published.Version}, not {expected}; read them again and retry.");
        }

        var updated = new TenantPreferences(preferences, _published.Version + 1, timeProvider.GetUtcNow(), updatedBy);
        try
        {
            await WritePreferencesAsync(updated);
        }
        catch (InconsistentStateException)
        {
            // Another activation wrote this tenant's row (a duplicate during a silo failover). Take what it stored
            // and judge the request against that, rather than answering every later update with a conflict.
            await ReloadAsync();
            if (expectedVersion is { } stale && stale != _published.Version)
            {
                throw new WorkSessionException(
                    ErrorCodes.VersionMismatch,
                    $"The preferences are at version {_published.Version}, not {stale}; read them again and retry.");
            }

            updated = updated with { Version = _published.Version + 1 };
            await WritePreferencesAsync(updated);
        }

        _published = updated;
        LogPreferencesUpdated(logger, TenantId, updated.Version, updatedBy);

        // Stored is answered: the agents are told after this call returns, however many they are. Until then they judge
        // deadlines by the preferences they hold, as they would had the push been lost.
        StartPush();
        return updated;
    }

    private async Task WritePreferencesAsync(TenantPreferences updated)
    {
        // The change and its report event in one write; the event is delivered afterwards, at once if it can be.
        var liveOutbox = state.State.Outbox;
        var change = ReportEntry.PreferencesChanged(TenantId, updated);
        state.State.Preferences = updated;
        state.State.Outbox = NextOutbox([change], out var dropped);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Preferences = _published;
            state.State.Outbox = liveOutbox;
            throw;
        }

        OutboxStored(state.State.Outbox, dropped);

        await DeliverBeforeAnsweringAsync(change);
        HandOverOutbox();
        await SyncOutboxReminderAsync();
    }

    /// <summary>
    /// Stores a preference change's report event before the change answers, so the admin's next read of the history
    /// shows it, however many other grains' events wait in the silo's delivery queue. Bounded by
    /// <see cref="HistoryWaitLimit"/>: on a slow or unreachable report database the outbox delivers it like any event.
    /// </summary>
    private async Task DeliverBeforeAnsweringAsync(ReportEntry change)
    {
        // A bound on the database's answer, so real time whatever clock the grain's deadlines run on.
        using var limit = new CancellationTokenSource(HistoryWaitLimit, TimeProvider.System);
        var insert = reportStore.InsertAsync([change], limit.Token);
        try
        {
            await insert.WaitAsync(limit.Token);
            _outbox.Delivered([change.EventId]);
        }
        catch (Exception exception)
        {
            // An insert still running past the bound may fail later: observed, since the outbox covers it.
            _ = insert.ContinueWith(static late => late.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            LogHistoryDeliveryDeferred(logger, exception, TenantId);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == OutboxReminderName)
        {
            HandOverOutbox();
            await SyncOutboxReminderAsync();
        }
    }

    private List<ReportEntry> NextOutbox(IReadOnlyList<ReportEntry> added, out int dropped) =>
        _outbox.Next(state.State.Outbox, added, out dropped);

    /// <summary>The write of <paramref name="outbox"/> succeeded: forget what it no longer holds, count what it dropped.</summary>
    private void OutboxStored(List<ReportEntry> outbox, int dropped)
    {
        _outbox.Stored(outbox);
        if (dropped > 0)
        {
            reportWriter.Dropped(this.GetPrimaryKeyString(), dropped);
        }
    }

    private void HandOverOutbox()
    {
        var now = timeProvider.GetUtcNow();
        var pending = _outbox.NotHandedOver(state.State.Outbox, now);
        if (pending.Count > 0 && reportWriter.TryEnqueue(_outbox, pending))
        {
            _outbox.HandedOver(pending, now);
        }
    }

    /// <summary>A wake-up while a preference change is not yet in the report tables, so it arrives even if nobody calls.</summary>
    private async Task SyncOutboxReminderAsync()
    {
        try
        {
            var reminder = await this.GetReminder(OutboxReminderName);
            if (_outbox.HasUndelivered(state.State.Outbox))
            {
                if (reminder is null)
                {
                    await this.RegisterOrUpdateReminder(OutboxReminderName, options.Value.WakeUpReminderPeriod, options.Value.WakeUpReminderPeriod);
                }
            }
            else if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception exception)
        {
            // The change is stored; its event arrives with the next activation or write.
            LogOutboxReminderFailed(logger, exception, TenantId);
        }
    }

    public Task<RosterPage> GetRosterPage(string? afterAgentId, int limit)
    {
        if (limit is < 1 or > RosterPage.MaxLimit)
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"limit must be between 1 and {RosterPage.MaxLimit}.");
        }

        var (agentIds, nextAfter) = _roster.Page(afterAgentId, limit);
        return Task.FromResult(new RosterPage(agentIds, nextAfter, _roster.Count));
    }

    public Task SessionOpened(string agentId, Guid sessionId, TenantPreferences held)
    {
        _roster.Set(agentId, sessionId);
        if (held != _published)
        {
            // The agent read preferences just before an update that did not yet see it on the roster, missed a push,
            // or holds a version this tenant never published (the tenant's row was restored from a backup).
            _stragglers.Add(agentId);
            StartPush();
        }

        return Task.CompletedTask;
    }

    public Task SessionClosed(string agentId, Guid sessionId)
    {
        _roster.Remove(agentId, sessionId);
        return Task.CompletedTask;
    }

    private void StartPush() => _push ??= this.RegisterGrainTimer(
        PushAsync,
        new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true, Interleave = true });

    /// <summary>
    /// Pushes the published preferences to the whole roster while a sweep is pending, then to the agents that announced
    /// older ones, until neither is left. A newer change stops the sweep under way and starts the next one.
    /// </summary>
    private async Task PushAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var target = _published;
                var sweep = SweepPending;
                List<KeyValuePair<string, Guid>> agents;
                if (sweep)
                {
                    agents = _roster.Entries();
                    _stragglers.Clear();
                }
                else if (_stragglers.Count > 0)
                {
                    agents = _roster.EntriesOf(_stragglers);
                    _stragglers.Clear();
                }
                else
                {
                    break;
                }

                var watch = timeProvider.GetTimestamp();
                var reachedAll = await PushToAsync(target, agents, cancellationToken);
                if (sweep && reachedAll)
                {
                    _pushedVersion = target.Version;
                    LogPushed(logger, TenantId, target.Version, agents.Count, timeProvider.GetElapsedTime(watch));
                    await StorePushedVersionAsync(target.Version);
                }
            }
        }
        finally
        {
            // Disposing a timer cancels its running tick's token: only once the loop is done. Nothing ran between the
            // loop's last check and here, so no change is left behind.
            var push = _push;
            _push = null;
            push?.Dispose();
        }
    }

    /// <summary>
    /// Calls <see cref="IAgentPreferencesTarget.ApplyPreferences"/> on each agent, a bounded number at a time; drops
    /// from the roster the agents whose session has ended. True when every agent was called with preferences that are
    /// still the published ones.
    /// </summary>
    private async Task<bool> PushToAsync(TenantPreferences target, List<KeyValuePair<string, Guid>> agents, CancellationToken cancellationToken)
    {
        var tenantId = TenantId;
        var next = 0;
        var failures = 0;
        Exception? firstFailure = null;
        var closed = new List<KeyValuePair<string, Guid>>();

        // The workers run on this grain's scheduler, one step at a time: the shared index needs no lock.
        async Task WorkAsync()
        {
            // A silo that is no longer active stops pushing: a newer activation of this tenant serves the agents.
            while (next < agents.Count && target == _published && !cancellationToken.IsCancellationRequested && silo.IsActive)
            {
                var entry = agents[next++];
                try
                {
                    if (!await GrainFactory.GetAgentPreferencesTarget(tenantId, entry.Key).ApplyPreferences(target))
                    {
                        closed.Add(entry);
                    }
                }
                catch (Exception exception)
                {
                    // The agent re-reads preferences when it next activates and re-announces itself with the ones it
                    // holds on its next wake-up, which pushes again; keep it on the roster.
                    failures++;
                    firstFailure ??= exception;
                }
            }
        }

        var workers = Math.Min(options.Value.PreferencePushConcurrency, agents.Count);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => WorkAsync()));
        foreach (var (agentId, sessionId) in closed)
        {
            _roster.Remove(agentId, sessionId);
        }

        if (failures > 0)
        {
            LogPushFailed(logger, firstFailure, tenantId, failures, agents.Count);
        }

        return next >= agents.Count && target == _published && !cancellationToken.IsCancellationRequested;
    }

    /// <summary>Stores that the push of <paramref name="version"/> is complete, so the next activation does not repeat it.</summary>
    private async Task StorePushedVersionAsync(long version)
    {
        await _writing.WaitAsync();
        try
        {
            var liveOutbox = state.State.Outbox;
            var stored = state.State.PushedVersion;
            var outbox = NextOutbox([], out var dropped);
            state.State.PushedVersion = version;
            state.State.Outbox = outbox;
            try
            {
                await state.WriteStateAsync(CancellationToken.None);
                OutboxStored(outbox, dropped);
            }
            catch (Exception exception)
            {
                // A repeated push is harmless (agents ignore preferences they hold): the next activation repeats it.
                state.State.PushedVersion = stored;
                state.State.Outbox = liveOutbox;
                LogPushedVersionWriteFailed(logger, exception, TenantId, version);
                if (exception is InconsistentStateException)
                {
                    await ReloadQuietlyAsync();
                }
            }
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task ReloadQuietlyAsync()
    {
        try
        {
            await ReloadAsync();
        }
        catch (Exception exception)
        {
            // The next write fails on the same etag and reloads again.
            LogPushedVersionWriteFailed(logger, exception, TenantId, _published.Version);
        }
    }

    private async Task ReloadAsync()
    {
        // Someone else wrote this tenant's row: take its preferences and etag. The roster is this activation's own.
        await state.ReadStateAsync();
        state.State.Roster = null;
        _published = state.State.Preferences;
    }

    [LoggerMessage(LogLevel.Information, "Tenant {TenantId} preferences now version {Version}, by {UpdatedBy}")]
    private static partial void LogPreferencesUpdated(ILogger logger, string tenantId, long version, string updatedBy);

    [LoggerMessage(LogLevel.Information, "Tenant {TenantId} pushed preferences version {Version} to {Agents} open sessions in {Elapsed}")]
    private static partial void LogPushed(ILogger logger, string tenantId, long version, int agents, TimeSpan elapsed);

    [LoggerMessage(LogLevel.Information, "Tenant {TenantId} resumes the push of preferences version {Version} to {Agents} open sessions")]
    private static partial void LogPushResumed(ILogger logger, string tenantId, long version, int agents);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not store that preferences version {Version} reached every open session; the next activation pushes it again")]
    private static partial void LogPushedVersionWriteFailed(ILogger logger, Exception exception, string tenantId, long version);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not read its open sessions from the report tables; the agents' announcements rebuild the roster")]
    private static partial void LogRosterLoadFailed(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(LogLevel.Information, "Tenant {TenantId} answers a preference change before its history entry is stored; the outbox delivers it")]
    private static partial void LogHistoryDeliveryDeferred(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not store its row on activation; its next write fences off older activations")]
    private static partial void LogFenceFailed(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not register or remove its report-outbox reminder")]
    private static partial void LogOutboxReminderFailed(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not push preferences to {Failures} of {Agents} agents (the first error is shown); they catch up when they next announce themselves")]
    private static partial void LogPushFailed(ILogger logger, Exception? exception, string tenantId, int failures, int agents);
}
