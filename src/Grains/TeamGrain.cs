using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkSessions.Contracts;
using WorkSessions.Domain;
using WorkSessions.Hosting;
using WorkSessions.Reporting;
using WorkSessions.Storage;

namespace WorkSessions;

/// <summary>
/// One team of a tenant (docs/architecture.md#teams): stores its definition and members, tells each agent added or
/// removed at once, and pushes a change of its overrides, or its deletion, to its members after the change has
/// answered. Every change is versioned and reported through its outbox.
/// </summary>
[GrainType("team")]
internal sealed class TeamGrain(
    [PersistentState(StateNames.Team, StorageNames.WorkSessions)] IPersistentState<TeamGrainState> state,
    TimeProvider timeProvider,
    IOptions<WorkSessionsOptions> options,
    IOptions<ReportingOptions> reporting,
    ReportWriter reportWriter,
    LocalSiloStatus silo,
    ILogger<TeamGrain> logger) : Grain, ITeamGrain, ITeamMembership
{
    private readonly OutboxedState<TeamGrainState> _state = new(state, reportWriter, reporting.Value.OutboxCapacity, timeProvider, logger);

    private readonly TeamMembers _members = new();

    private IGrainTimer? _push;
    private long _pushedVersion;

    // Retries the announcement to the tenant's team directory until one arrives.
    private IGrainTimer? _announce;

    private string TenantId => WorkSessionsGrains.TeamOf(this.GetPrimaryKeyString()).TenantId;

    private string TeamId => WorkSessionsGrains.TeamOf(this.GetPrimaryKeyString()).TeamId;

    private Team? Current => _state.State.Team;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _state.Owner = this.GetGrainId();
        _members.Apply(_state.State.Members, []);

        _pushedVersion = _state.State.PushedVersion;
        _state.HandOver();
        if (_pushedVersion != _state.State.Version)
        {
            // A push cut off by a crash or a deactivation: the members may hold older overrides, or not know the team is gone.
            StartPush();
        }

        if (_state.State.Version > 0)
        {
            // The directory may have missed the last change (a crash between storing it and announcing it, a call lost
            // on the way): every activation tells it again, and the directory ignores what it holds already.
            StartAnnouncing(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    public Task<Team?> Get() => Task.FromResult(Current);

    public async Task<TeamPutResult> Put(TeamDefinition definition, long? expectedVersion, string updatedBy)
    {
        var reasons = definition?.Preferences?.NotReadyLimits is { Length: > 0 }
            ? (await GrainFactory.GetTenantGrain(TenantId).GetPreferences()).Preferences.NotReadyReasons
            : WorkSessionPreferences.DefaultNotReadyReasons;
        var normalized = TeamRules.Normalize(TeamId, definition, options.Value.PreferenceRules, reasons);
        ExpectedVersion.Check(expectedVersion, Current?.Version ?? 0, "The team is");
        var created = Current is null;
        if (created && _state.State.Members.Count > 0)
        {
            // A deleted team's members not yet told it is gone: they leave it before it exists again.
            await ForEachAgentAsync(_state.State.Members, agentId => Agents(agentId).LeaveTeam(TeamId));
        }

        var version = _state.State.Version + 1;
        var team = new Team(
            TeamId, normalized.Name, normalized.TimeZone!, normalized.Supervisors, normalized.Preferences!, _members.Count, version, timeProvider.GetUtcNow(), updatedBy);
        var pushOwed = !created && TeamRules.AgentsMustLearn(Current!, team);
        var wasPushed = _pushedVersion == _state.State.Version;
        await _state.WriteAsync(
            _state.State with { Team = team, Version = version, Members = created ? [] : _state.State.Members },
            [ReportEntry.TeamChanged(TenantId, team, deleted: false)]);
        if (created)
        {
            _members.Clear();
        }

        await AnnounceAsync();

        if (pushOwed || !wasPushed)
        {
            StartPush();
        }
        else
        {
            _pushedVersion = version;
        }

        return new TeamPutResult(team, created);
    }

    public async Task Delete(long? expectedVersion, string deletedBy)
    {
        var team = RequireTeam();
        ExpectedVersion.Check(expectedVersion, Current?.Version ?? 0, "The team is");
        var version = _state.State.Version + 1;
        var deleted = team with { Version = version, UpdatedAt = timeProvider.GetUtcNow(), UpdatedBy = deletedBy, AgentCount = 0 };

        // The members stay stored as the agents still to be told, until the push has told them all.
        await _state.WriteAsync(_state.State with { Team = null, Version = version }, [ReportEntry.TeamChanged(TenantId, deleted, deleted: true)]);
        StartPush();
        await AnnounceAsync();
    }

    public async Task<TeamMembersChange> ChangeMembers(IReadOnlyList<string> add, IReadOnlyList<string> remove, string updatedBy)
    {
        var team = RequireTeam();
        var (adding, removal) = TeamRules.CheckMembersChange(add, remove);
        var removing = removal.Where(_members.Contains).ToList();

        var version = _state.State.Version + 1;
        var now = timeProvider.GetUtcNow();
        var membership = new TeamMembership(TeamId, team.Preferences, version, team.TimeZone);
        var previousTeams = new Dictionary<string, string?>(StringComparer.Ordinal);
        _members.Adding(adding);
        try
        {
            // Each agent learns first: a member the agents do not know of would be worse than an agent whose team's
            // list lags (the agent asks its team again on activation, and the change can be retried).
            await ForEachAgentAsync(adding, async agentId => previousTeams[agentId] = await Agents(agentId).JoinTeam(membership));
            await ForEachAgentAsync(removing, agentId => Agents(agentId).LeaveTeam(TeamId));

            var joined = adding.Where(agentId => previousTeams[agentId] != TeamId).ToList();
            if (joined.Count == 0 && removing.Count == 0 && adding.All(_members.Contains))
            {
                // Nothing changed (every agent added was a member already): no new version, nothing to report.
                return new TeamMembersChange(0, 0, 0);
            }

            var members = _members.Copy();
            members.UnionWith(adding);
            members.ExceptWith(removing);
            var entries = new List<ReportEntry>(joined.Count + removing.Count);
            entries.AddRange(joined.Select(agentId => ReportEntry.AgentTeamChanged(TenantId, agentId, now, previousTeams[agentId], TeamId, updatedBy)));
            entries.AddRange(removing.Select(agentId => ReportEntry.AgentTeamChanged(TenantId, agentId, now, TeamId, null, updatedBy)));
            var updated = team with { AgentCount = members.Count, Version = version, UpdatedAt = now, UpdatedBy = updatedBy };
            var wasPushed = _pushedVersion == _state.State.Version;
            await _state.WriteAsync(
                _state.State with { Team = updated, Version = version, Members = [.. members.Order(StringComparer.Ordinal)] },
                entries);
            _members.Apply(adding, removing);

            if (wasPushed)
            {
                // Every member holds this version's overrides already: the agents added were told them just now.
                _pushedVersion = version;
            }

            foreach (var group in joined.Where(agentId => previousTeams[agentId] is not null).GroupBy(agentId => previousTeams[agentId]!))
            {
                GrainFactory.GetTeamMembership(TenantId, group.Key).MembersLeft([.. group]).Ignore();
            }

            await AnnounceAsync();
            var moved = joined.Count(agentId => previousTeams[agentId] is not null);
            return new TeamMembersChange(joined.Count - moved, removing.Count, moved);
        }
        finally
        {
            _members.DoneAdding(adding);
        }
    }

    public Task<TeamMembersPage> GetMembers(string? afterAgentId, int limit)
    {
        RequireTeam();
        return Task.FromResult(_members.Page(afterAgentId, limit));
    }

    public Task<TeamMembership?> GetMembership(string agentId) =>
        Task.FromResult(Current is { } team && _members.HoldsOrIsAdding(agentId)
            ? new TeamMembership(TeamId, team.Preferences, team.Version, team.TimeZone)
            : null);

    public async Task MembersLeft(IReadOnlyList<string> agentIds)
    {
        var leaving = agentIds.Where(_members.Contains).ToList();
        if (leaving.Count == 0)
        {
            return;
        }

        var members = _state.State.Members.Where(agentId => !leaving.Contains(agentId, StringComparer.Ordinal)).ToList();
        var team = Current is { } current ? current with { AgentCount = members.Count } : null;
        await _state.WriteAsync(_state.State with { Team = team, Members = members }, []);
        _members.Apply([], leaving);

        await AnnounceAsync();
    }

    /// <summary>
    /// Tells the tenant's team directory the team as stored now. A failure does not fail the change, which is stored:
    /// a timer retries until the directory has it, and every activation announces again.
    /// </summary>
    private async Task AnnounceAsync()
    {
        try
        {
            await SendAnnouncementAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            TenantLog.TeamAnnouncementFailed(logger, exception, TenantId, TeamId);
            StartAnnouncing(AnnouncementRetryDelay);
        }
    }

    private Task SendAnnouncementAsync() =>
        GrainFactory.GetTeamDirectoryUpdates(TenantId).Announce(TeamId, _state.State.Version, Current is { } team ? TeamSummary.Of(team) : null);

    /// <summary>How long a failed announcement waits before it is sent again.</summary>
    internal static readonly TimeSpan AnnouncementRetryDelay = TimeSpan.FromSeconds(5);

    // Not interleaved, like the changes: it reads the state as stored when it runs, so it always sends the latest.
    private void StartAnnouncing(TimeSpan due) => _announce ??= this.RegisterGrainTimer(
        async _ =>
        {
            try
            {
                await SendAnnouncementAsync();
                _announce?.Dispose();
                _announce = null;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                TenantLog.TeamAnnouncementFailed(logger, exception, TenantId, TeamId);
            }
        },
        new GrainTimerCreationOptions(due, AnnouncementRetryDelay) { KeepAlive = true });

    private Team RequireTeam() => Current ?? throw new WorkSessionException(ErrorCodes.TeamNotFound, $"The tenant has no team '{TeamId}'.");

    private IAgentPreferencesTarget Agents(string agentId) => GrainFactory.GetAgentPreferencesTarget(TenantId, agentId);

    private async Task ForEachAgentAsync(IReadOnlyList<string> agentIds, Func<string, Task> call)
    {
        var next = 0;
        async Task WorkAsync()
        {
            while (next < agentIds.Count)
            {
                await call(agentIds[next++]);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(options.Value.PreferencePushConcurrency, agentIds.Count)).Select(_ => WorkAsync()));
    }

    private IGrainTimer? _retryPush;

    private Task RetryPushAsync(CancellationToken cancellationToken)
    {
        _retryPush?.Dispose();
        _retryPush = null;
        StartPush();
        return Task.CompletedTask;
    }

    // Not interleaved: the push's own writes must not run beside a change's. A change waits for a push under way; reads
    // and an activating agent's question interleave with it.
    private void StartPush() => _push ??= this.RegisterGrainTimer(
        PushAsync,
        new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });

    /// <summary>
    /// Tells every member the team's current overrides, or that the team is gone, until the version told is the stored
    /// one; then stores that version (and, after a delete, forgets the members told). A failed call is retried by the
    /// next activation; the agent also asks its team whenever it activates.
    /// </summary>
    private async Task PushAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested && silo.IsActive && _pushedVersion != _state.State.Version)
            {
                var version = _state.State.Version;
                var team = Current;
                var agents = _state.State.Members.ToList();
                var failed = 0;
                Exception? firstFailure = null;
                await ForEachAgentAsync(agents, async agentId =>
                {
                    try
                    {
                        await (team is null
                            ? Agents(agentId).LeaveTeam(TeamId)
                            : Agents(agentId).TeamChanged(new TeamMembership(TeamId, team.Preferences, version, team.TimeZone)));
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException)
                    {
                        failed++;
                        firstFailure ??= exception;
                    }
                });

                if (failed > 0 || version != _state.State.Version)
                {
                    if (failed > 0)
                    {
                        // Pushed again a wake-up period later (and by the next activation); each agent also asks its team
                        // whenever it activates.
                        TenantLog.PushFailed(logger, firstFailure, TenantId, failed, agents.Count);
                        _retryPush ??= this.RegisterGrainTimer(RetryPushAsync, new GrainTimerCreationOptions(options.Value.WakeUpReminderPeriod, Timeout.InfiniteTimeSpan));
                        return;
                    }

                    continue;
                }

                _pushedVersion = version;
                var told = team is null ? [] : _state.State.Members;
                await _state.WriteAsync(_state.State with { PushedVersion = version, Members = told }, []);
                if (team is null)
                {
                    _members.Clear();
                }
            }
        }
        finally
        {
            var push = _push;
            _push = null;
            push?.Dispose();
        }
    }
}
