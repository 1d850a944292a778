using Microsoft.Extensions.Logging;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>
/// The tenant grain's push of its published preferences to the agents (docs/architecture.md#tenant-grain): what it still
/// owes — a sweep of the whole roster while the published version has not reached it, then the agents that announced
/// other preferences — the calls that pay it, and the grain timers they run in: the push (interleaved with the grain's
/// calls, so announcements, reads and the next change are answered while thousands of agents are called) and the retry a
/// period after agents were missed. It never writes: a completed sweep is handed to the grain, which stores its version.
/// Runs on the grain's scheduler, one step at a time: the shared state needs no lock.
/// </summary>
internal sealed class PreferencePush(
    Grain grain,
    IGrainFactory grains,
    string tenantId,
    Roster roster,
    LocalSiloStatus silo,
    TimeProvider timeProvider,
    int concurrency,
    TimeSpan retryPeriod,
    Func<TenantPreferences> published,
    Action swept,
    ILogger logger)
{
    // Agents that announced themselves holding other preferences than the published ones: pushed one by one.
    private readonly HashSet<string> _stragglers = new(StringComparer.Ordinal);

    // Agents the push could not reach (the call or the agent's write failed): pushed again a period later.
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);

    // The running push; null when none.
    private IGrainTimer? _push;
    private IGrainTimer? _retry;

    /// <summary>The version this activation has pushed to the whole roster (the stored one may lag behind a failed write).</summary>
    public long PushedVersion { get; set; }

    /// <summary>Whether the published preferences have not reached the whole roster yet.</summary>
    public bool SweepPending => PushedVersion != published().Version;

    /// <summary>An agent announced itself holding other preferences than the published ones: pushed to next.</summary>
    public void AddStraggler(string agentId)
    {
        _stragglers.Add(agentId);
        Start();
    }

    /// <summary>The whole roster is pushed to once more, whatever it was pushed before.</summary>
    public void SweepAgain()
    {
        PushedVersion = -1;
        Start();
    }

    /// <summary>Starts the push unless it runs: a newer change stops the sweep under way and starts the next one.</summary>
    public void Start() => _push ??= grain.RegisterGrainTimer(
        PushAsync,
        new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true, Interleave = true });

    /// <summary>
    /// Pushes the published preferences to the whole roster while a sweep is pending, then to the agents that announced
    /// older ones, until neither is left; a period after agents were missed, pushes to them again.
    /// </summary>
    private async Task PushAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested && Next() is { } owed)
            {
                var target = published();
                var watch = timeProvider.GetTimestamp();
                if (await PushAsync(target, owed.Agents, cancellationToken) && owed.Sweep)
                {
                    PushedVersion = target.Version;
                    TenantLog.Pushed(logger, tenantId, target.Version, owed.Agents.Count, timeProvider.GetElapsedTime(watch));
                    swept();
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
            if (_failed.Count > 0)
            {
                _retry ??= grain.RegisterGrainTimer(RetryFailedAsync, new GrainTimerCreationOptions(retryPeriod, Timeout.InfiniteTimeSpan));
            }
        }
    }

    /// <summary>A period after a push that failed for some agents: they are pushed to again.</summary>
    private Task RetryFailedAsync(CancellationToken cancellationToken)
    {
        _retry?.Dispose();
        _retry = null;
        _stragglers.UnionWith(_failed);
        _failed.Clear();
        Start();
        return Task.CompletedTask;
    }

    /// <summary>The agents to push to next, and whether they are the whole roster; null when nothing is owed.</summary>
    private (List<KeyValuePair<string, Guid>> Agents, bool Sweep)? Next()
    {
        var sweep = SweepPending;
        if (!sweep && _stragglers.Count == 0)
        {
            return null;
        }

        var agents = sweep ? roster.Entries() : roster.EntriesOf(_stragglers);
        _stragglers.Clear();
        return (agents, sweep);
    }

    /// <summary>
    /// Calls <see cref="IAgentPreferencesTarget.ApplyPreferences"/> on each agent, a bounded number at a time; drops
    /// from the roster the agents whose session has ended. True when every agent was called with preferences that are
    /// still the published ones.
    /// </summary>
    private async Task<bool> PushAsync(TenantPreferences target, List<KeyValuePair<string, Guid>> agents, CancellationToken cancellationToken)
    {
        var next = 0;
        var failures = 0;
        Exception? firstFailure = null;
        var closed = new List<KeyValuePair<string, Guid>>();

        async Task WorkAsync()
        {
            // A silo that is no longer active stops pushing: a newer activation of this tenant serves the agents.
            while (next < agents.Count && target == published() && !cancellationToken.IsCancellationRequested && silo.IsActive)
            {
                var entry = agents[next++];
                try
                {
                    if (!await grains.GetAgentPreferencesTarget(tenantId, entry.Key).ApplyPreferences(target))
                    {
                        closed.Add(entry);
                    }
                }
                catch (Exception exception)
                {
                    // The agent re-reads preferences when it next activates; while it stays active the tenant pushes to
                    // it again a period later. Keep it on the roster.
                    _failed.Add(entry.Key);
                    failures++;
                    firstFailure ??= exception;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, agents.Count)).Select(_ => WorkAsync()));
        foreach (var (agentId, sessionId) in closed)
        {
            roster.Remove(agentId, sessionId);
        }

        if (failures > 0)
        {
            TenantLog.PushFailed(logger, firstFailure, tenantId, failures, agents.Count);
        }

        return next >= agents.Count && target == published() && !cancellationToken.IsCancellationRequested;
    }
}
