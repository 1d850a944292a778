using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using WorkSessions.Contracts;
using WorkSessions.Domain;
using WorkSessions.Hosting;
using WorkSessions.Reporting;
using WorkSessions.Storage;

namespace WorkSessions;

/// <summary>
/// Holds the admin preferences and the roster, pushes preference changes to agents with open sessions after the change
/// has answered, and reports each change through its outbox (docs/architecture.md#tenant-grain,
/// docs/architecture.md#reporting).
/// </summary>
[GrainType("tenant")]
internal sealed class TenantGrain(
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

    private readonly OutboxedState<TenantGrainState> _state = new(state, reportWriter, reporting.Value.OutboxCapacity, timeProvider, logger);
    private PreferencePush _push = null!;
    private RosterUpkeep _rosterUpkeep = null!;

    // What GetPreferences answers: only ever a stored version, because that call interleaves with an update that is
    // still writing.
    private TenantPreferences _published = TenantPreferences.Default;

    // Agents with an open session and that session's id, in agent-id order. In memory only: a roster change costs no
    // write however large the tenant. An activation rebuilds it from the report tables' open sessions (RosterUpkeep).
    private readonly Roster _roster = new();

    // The write of PushedVersion once a sweep completes: a turn of its own that does not interleave, so Orleans runs it
    // one at a time with the preference changes' writes.
    private IGrainTimer? _pushedVersionWrite;

    // The roster's repair a period after activation.
    private IGrainTimer? _rosterRepair;

    private string TenantId => WorkSessionsGrains.TenantIdOf(this.GetPrimaryKeyString());

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _state.Owner = this.GetGrainId();
        _push = new(
            this, GrainFactory, TenantId, _roster, silo, timeProvider, options.Value.PreferencePushConcurrency, options.Value.WakeUpReminderPeriod,
            () => _published, StorePushedVersion, logger);
        _rosterUpkeep = new(_roster, reportStore, GrainFactory, TenantId, logger);
        await _rosterUpkeep.LoadAsync(_state.State.TakeLegacyRoster(), cancellationToken);
        await FenceAsync();
        _published = _state.State.Preferences;
        _push.PushedVersion = _state.State.PushedVersion;
        _state.HandOver();
        if (_roster.Count > 0 || !_rosterUpkeep.Loaded)
        {
            // Sessions it did not hear of itself (or could not read): repaired a period later. A tenant that starts with
            // none hears of every session from its agent.
            _rosterRepair = this.RegisterGrainTimer(RepairRosterAsync, new GrainTimerCreationOptions(options.Value.WakeUpReminderPeriod, Timeout.InfiniteTimeSpan));
        }

        if (_push.SweepPending)
        {
            TenantLog.PushResumed(logger, TenantId, _published.Version, _roster.Count);
            _push.Start();
        }
    }

    /// <summary>
    /// One write of the row as read, so that a write of an older activation still running (a paused silo's, resumed
    /// before it learns it was declared dead) is refused by the etag rather than changing the preferences behind this
    /// one (docs/architecture.md#recovery-rule). A row written since it was read is read again. Tenants are few: one
    /// small write per activation. A failed write leaves the fence to the next write, which reloads on a conflict.
    /// </summary>
    private async Task FenceAsync()
    {
        if (!_state.RecordExists)
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
            TenantLog.FenceFailed(logger, exception, TenantId);
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
        ExpectedVersion.Check(expectedVersion, _published.Version, "The preferences are");
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
            ExpectedVersion.Check(expectedVersion, _published.Version, "The preferences are");
            updated = updated with { Version = _published.Version + 1 };
            await WritePreferencesAsync(updated);
        }

        // Stored is answered: the agents are told after this call returns, however many they are. Until then they judge
        // deadlines by the preferences they hold, as they would had the push been lost. Until the report writer has
        // stored the change, the history asks this grain for it (ReportGrain.GetPreferenceHistory).
        _published = updated;
        TenantLog.PreferencesUpdated(logger, TenantId, updated.Version, updatedBy);
        _push.Start();
        await SyncOutboxReminderAsync();
        return updated;
    }

    /// <summary>The change and its report event in one write.</summary>
    private Task WritePreferencesAsync(TenantPreferences updated) =>
        _state.WriteAsync(_state.State with { Preferences = updated }, [ReportEntry.PreferencesChanged(TenantId, updated)]);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == OutboxReminderName)
        {
            _state.HandOver();
            await SyncOutboxReminderAsync();
        }
    }

    /// <summary>A wake-up while a preference change is not yet in the report tables, so it arrives even if nobody calls.</summary>
    private async Task SyncOutboxReminderAsync()
    {
        try
        {
            var reminder = await this.GetReminder(OutboxReminderName);
            if (_state.HasUndelivered)
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
            TenantLog.OutboxReminderFailed(logger, exception, TenantId);
        }
    }

    public Task<RosterPage> GetRosterPage(string? afterAgentId, int limit) => GetRosterPage(RosterQuery.All, afterAgentId, limit);

    public Task<RosterPage> GetRosterPage(RosterQuery query, string? afterAgentId, int limit)
    {
        query = RosterQuery.Validate(query);
        if (limit is < 1 or > RosterPage.MaxLimit)
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"limit must be between 1 and {RosterPage.MaxLimit}.");
        }

        var (agentIds, nextAfter) = _roster.Page(query, afterAgentId, limit);
        return Task.FromResult(new RosterPage(agentIds, nextAfter, _roster.CountOf(query.TeamIds)));
    }

    public Task<RosterSummary> GetRosterSummary(IReadOnlyList<string>? teamIds)
    {
        var query = RosterQuery.Validate(new RosterQuery(teamIds));
        return Task.FromResult(_roster.Summary(query.TeamIds));
    }

    public Task SessionOpened(string agentId, Guid sessionId, TenantPreferences held)
    {
        _roster.Set(agentId, sessionId);
        Heard(agentId, held);
        return Task.CompletedTask;
    }

    public Task SessionChanged(string agentId, RosterFacts facts, TenantPreferences held)
    {
        _roster.Set(agentId, facts);
        Heard(agentId, held);
        return Task.CompletedTask;
    }

    private void Heard(string agentId, TenantPreferences held)
    {
        if (held != _published)
        {
            // The agent read preferences just before an update that did not yet see it on the roster, missed a push,
            // or holds a version this tenant never published (the tenant's row was restored from a backup).
            _push.AddStraggler(agentId);
        }
    }

    public Task SessionClosed(string agentId, Guid sessionId)
    {
        _roster.Remove(agentId, sessionId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A period after activation: the roster takes the open sessions the report tables know by now and asks the agents
    /// it holds without a status to tell it, then the push sweeps it once: an agent that holds other preferences (a push
    /// lost with a silo, a tenant restored from a backup) takes the published ones. Replaces what each open session's
    /// wake-up tick re-announced before wake shards.
    /// </summary>
    private async Task RepairRosterAsync(CancellationToken cancellationToken)
    {
        await _rosterUpkeep.RepairAsync(cancellationToken);
        _push.SweepAgain();

        // Disposed last: disposing a timer cancels its running tick's token.
        _rosterRepair?.Dispose();
        _rosterRepair = null;
    }

    private void StorePushedVersion() => _pushedVersionWrite ??= this.RegisterGrainTimer(
        StorePushedVersionAsync,
        new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });

    /// <summary>Stores the version that reached the whole roster, so the next activation does not push it again.</summary>
    private async Task StorePushedVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            // A sweep that completed while this was writing is stored by the next round.
            while (_state.State.PushedVersion != _push.PushedVersion)
            {
                var version = _push.PushedVersion;
                try
                {
                    await _state.WriteAsync(_state.State with { PushedVersion = version }, []);
                }
                catch (Exception exception)
                {
                    // A repeated push is harmless (agents ignore preferences they hold): the next activation repeats it.
                    TenantLog.PushedVersionWriteFailed(logger, exception, TenantId, version);
                    if (exception is InconsistentStateException)
                    {
                        await ReloadQuietlyAsync();
                    }

                    return;
                }
            }
        }
        finally
        {
            var write = _pushedVersionWrite;
            _pushedVersionWrite = null;
            write?.Dispose();
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
            TenantLog.PushedVersionWriteFailed(logger, exception, TenantId, _published.Version);
        }
    }

    private async Task ReloadAsync()
    {
        // Someone else wrote this tenant's row: take its preferences and etag. The roster is this activation's own.
        await _state.ReadAsync();
        _ = _state.State.TakeLegacyRoster();
        _published = _state.State.Preferences;
    }
}
