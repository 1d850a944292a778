using Microsoft.Extensions.Logging;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>
/// What the tenant grain's push still owes, and the calls that pay it (docs/architecture.md#tenant-grain): a sweep of the
/// whole roster while the published version has not reached it, then the agents that announced other preferences.
/// Runs on the grain's scheduler, one step at a time: the shared state needs no lock.
/// </summary>
internal sealed class PreferencePush(IGrainFactory grains, string tenantId, Roster roster, LocalSiloStatus silo, int concurrency, ILogger logger)
{
    // Agents that announced themselves holding other preferences than the published ones: pushed one by one.
    private readonly HashSet<string> _stragglers = new(StringComparer.Ordinal);

    // Agents the push could not reach (the call or the agent's write failed): pushed again a period later.
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);

    /// <summary>Whether some agents could not be reached and wait for <see cref="RetryFailed"/>.</summary>
    public bool HasFailed => _failed.Count > 0;

    /// <summary>The agents that could not be reached are pushed to next.</summary>
    public void RetryFailed()
    {
        _stragglers.UnionWith(_failed);
        _failed.Clear();
    }

    /// <summary>The version this activation has pushed to the whole roster (the stored one may lag behind a failed write).</summary>
    public long PushedVersion { get; set; }

    /// <summary>Whether <paramref name="published"/> has not reached the whole roster yet.</summary>
    public bool SweepPending(TenantPreferences published) => PushedVersion != published.Version;

    /// <summary>An agent announced itself holding other preferences than the published ones.</summary>
    public void AddStraggler(string agentId) => _stragglers.Add(agentId);

    /// <summary>The agents to push to next, and whether they are the whole roster; null when nothing is owed.</summary>
    public (List<KeyValuePair<string, Guid>> Agents, bool Sweep)? Next(TenantPreferences published)
    {
        var sweep = SweepPending(published);
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
    public async Task<bool> PushAsync(
        TenantPreferences target, List<KeyValuePair<string, Guid>> agents, Func<TenantPreferences> published, CancellationToken cancellationToken)
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
