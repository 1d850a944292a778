using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using WorkSessions.Contracts;
using WorkSessions.Hosting;
using WorkSessions.Reporting;

namespace WorkSessions;

/// <summary>The tenant grain's persisted state.</summary>
internal sealed class TenantGrainState
{
    public TenantPreferences Preferences { get; set; } = TenantPreferences.Default;

    /// <summary>Agents with an open session, by agent id, with that session's id.</summary>
    public Dictionary<string, Guid> Roster { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Preference changes stored with the change and not yet known to be in the report tables.</summary>
    public List<ReportEntry> Outbox { get; set; } = [];
}

/// <summary>
/// Holds the admin preferences and the roster, pushes preference changes to agents with open sessions, and reports
/// each change through its outbox (docs/architecture.md#reporting).
/// </summary>
[GrainType("tenant")]
internal sealed partial class TenantGrain(
    [PersistentState(StateNames.Tenant, StorageNames.WorkSessions)] IPersistentState<TenantGrainState> state,
    TimeProvider timeProvider,
    IOptions<WorkSessionsOptions> options,
    IOptions<ReportingOptions> reporting,
    ReportWriter reportWriter,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain, ITenantRoster, IReportOutbox, IRemindable
{
    internal const string OutboxReminderName = "report-outbox";

    // What GetPreferences answers: only ever a stored version, because that call interleaves with an
    // update that is still writing.
    private TenantPreferences _published = TenantPreferences.Default;

    // Roster changes are written in batches: at shift start thousands of agents open sessions within
    // minutes, and one write per change of a roster that size would make this grain the bottleneck.
    private IGrainTimer? _rosterWrite;

    private readonly ReportOutbox _outbox = new(reporting.Value.OutboxCapacity);

    private string TenantId => WorkSessionsGrains.TenantIdOf(this.GetPrimaryKeyString());

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _published = state.State.Preferences;
        HandOverOutbox();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_rosterWrite is not null)
        {
            await WriteRosterAsync(cancellationToken);
            CancelRosterWrite();
        }
    }

    public Task<TenantPreferences> GetPreferences() => Task.FromResult(_published);

    public async Task<TenantPreferences> UpdatePreferences(WorkSessionPreferences preferences, long? expectedVersion, string updatedBy)
    {
        if (preferences is null)
        {
            throw new WorkSessionException(ErrorCodes.InvalidPreferences, "All four preferences are required.");
        }

        options.Value.PreferenceRules.Validate(preferences);
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
            await ReloadKeepingRosterAsync();
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
        await PushToRosterAsync(updated, [.. state.State.Roster]);
        return updated;
    }

    private async Task WritePreferencesAsync(TenantPreferences updated)
    {
        // The change and its report event in one write; the event is delivered afterwards.
        var liveOutbox = state.State.Outbox;
        state.State.Preferences = updated;
        state.State.Outbox = NextOutbox([ReportEntry.PreferencesChanged(TenantId, updated)], out var dropped);
        try
        {
            await state.WriteStateAsync();
            CancelRosterWrite();
        }
        catch
        {
            state.State.Preferences = _published;
            state.State.Outbox = liveOutbox;
            throw;
        }

        OutboxStored(state.State.Outbox, dropped);
        HandOverOutbox();
        await SyncOutboxReminderAsync();
    }

    public Task Delivered(IReadOnlyList<Guid> eventIds)
    {
        _outbox.Delivered(eventIds);
        return Task.CompletedTask;
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
        if (pending.Count > 0 && reportWriter.TryEnqueue(this.AsReference<IReportOutbox>(), pending))
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

    public Task<IReadOnlyList<string>> GetRoster() =>
        Task.FromResult<IReadOnlyList<string>>([.. state.State.Roster.Keys.Order(StringComparer.Ordinal)]);

    public async Task SessionOpened(string agentId, Guid sessionId, TenantPreferences held)
    {
        if (!state.State.Roster.TryGetValue(agentId, out var known) || known != sessionId)
        {
            state.State.Roster[agentId] = sessionId;
            ScheduleRosterWrite();
        }

        if (held != _published)
        {
            // The agent read preferences just before an update that did not yet see it on the roster, or holds a
            // version this tenant never published (the tenant's row was restored from a backup).
            await PushToRosterAsync(_published, [new(agentId, sessionId)]);
        }
    }

    public Task SessionClosed(string agentId, Guid sessionId)
    {
        if (state.State.Roster.TryGetValue(agentId, out var known) && known == sessionId)
        {
            state.State.Roster.Remove(agentId);
            ScheduleRosterWrite();
        }

        return Task.CompletedTask;
    }

    private async Task PushToRosterAsync(TenantPreferences preferences, IReadOnlyList<KeyValuePair<string, Guid>> agents)
    {
        var tenantId = TenantId;
        var outcomes = await Task.WhenAll(agents.Select(async entry =>
        {
            try
            {
                var open = await GrainFactory.GetAgentPreferencesTarget(tenantId, entry.Key).ApplyPreferences(preferences);
                return (entry, open);
            }
            catch (Exception exception)
            {
                // The agent re-reads preferences when it next activates; keep it on the roster.
                LogPushFailed(logger, exception, tenantId, entry.Key);
                return (entry, open: true);
            }
        }));

        foreach (var (entry, open) in outcomes)
        {
            if (!open && state.State.Roster.TryGetValue(entry.Key, out var known) && known == entry.Value)
            {
                state.State.Roster.Remove(entry.Key);
                ScheduleRosterWrite();
            }
        }
    }

    private void ScheduleRosterWrite() => _rosterWrite ??= this.RegisterGrainTimer(
        WriteRosterAsync,
        new GrainTimerCreationOptions(options.Value.RosterWriteDelay, Timeout.InfiniteTimeSpan) { KeepAlive = true });

    private void CancelRosterWrite()
    {
        _rosterWrite?.Dispose();
        _rosterWrite = null;
    }

    private async Task WriteRosterAsync(CancellationToken cancellationToken)
    {
        // Detached before the write, disposed after it: disposing a timer cancels the token of the tick it is
        // running, and changes made meanwhile schedule a write of their own.
        var tick = _rosterWrite;
        _rosterWrite = null;
        var liveOutbox = state.State.Outbox;
        var outbox = NextOutbox([], out var dropped);
        state.State.Outbox = outbox;
        try
        {
            await state.WriteStateAsync(CancellationToken.None);
            OutboxStored(outbox, dropped);
        }
        catch (Exception exception)
        {
            state.State.Outbox = liveOutbox;

            // The roster is a hint the agents repair by announcing themselves; try again later.
            LogRosterWriteFailed(logger, exception, TenantId);
            if (exception is InconsistentStateException)
            {
                try
                {
                    await ReloadKeepingRosterAsync();
                }
                catch (Exception reloadException)
                {
                    // The next write fails on the same etag and reloads again.
                    LogRosterWriteFailed(logger, reloadException, TenantId);
                }
            }

            ScheduleRosterWrite();
        }
        finally
        {
            tick?.Dispose();
        }
    }

    private async Task ReloadKeepingRosterAsync()
    {
        // Someone else wrote this tenant's row: take its preferences and etag, keep the roster this activation knows.
        var roster = state.State.Roster;
        await state.ReadStateAsync();
        state.State.Roster = roster;
        _published = state.State.Preferences;
    }

    [LoggerMessage(LogLevel.Information, "Tenant {TenantId} preferences now version {Version}, by {UpdatedBy}")]
    private static partial void LogPreferencesUpdated(ILogger logger, string tenantId, long version, string updatedBy);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not write its roster")]
    private static partial void LogRosterWriteFailed(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not register or remove its report-outbox reminder")]
    private static partial void LogOutboxReminderFailed(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not push preferences to agent {AgentId}")]
    private static partial void LogPushFailed(ILogger logger, Exception exception, string tenantId, string agentId);
}
