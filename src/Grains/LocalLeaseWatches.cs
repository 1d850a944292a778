using System.Collections.Concurrent;

namespace WorkSessions;

/// <summary>
/// Which of this silo's agent activations watch which Gateway's lease (docs/architecture.md#client-presence), in memory,
/// kept by the agents as they watch and unwatch: no call, no write. When a silo leaves the cluster, the lease grains it
/// held are activated again elsewhere without their watchers, and a Gateway lost with them never renews to restore
/// them; so on each such change this silo watches every Gateway its agents hold again, one call per Gateway carrying
/// all its local watchers. A re-created lease whose Gateway is gone then lapses unrenewed and tells them.
/// </summary>
internal sealed class LocalLeaseWatches(IClusterMembershipService membership, IGrainFactory grains) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _byGateway = new(StringComparer.Ordinal);
    private CancellationTokenSource? _stopping;

    // Held so the loop is not a fire-and-forget task nobody can observe; it ends when the silo stops.
    private Task? _following;

    /// <summary>The agent watches the Gateway's lease.</summary>
    public void Watching(string gatewayId, string agentKey) =>
        _byGateway.GetOrAdd(gatewayId, static _ => new(StringComparer.Ordinal))[agentKey] = 0;

    /// <summary>The agent no longer watches the Gateway's lease (its last stream there closed, the lease lapsed, or it deactivated).</summary>
    public void NotWatching(string gatewayId, string agentKey)
    {
        if (_byGateway.TryGetValue(gatewayId, out var agents))
        {
            agents.TryRemove(agentKey, out _);
        }
    }

    /// <summary>The local watchers of each Gateway, as they are now.</summary>
    public IReadOnlyList<(string GatewayId, string[] AgentKeys)> Snapshot() =>
        [.. _byGateway.Select(pair => (pair.Key, pair.Value.Keys.ToArray())).Where(entry => entry.Item2.Length > 0)];

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            nameof(LocalLeaseWatches),
            ServiceLifecycleStage.Active,
            started =>
            {
                _stopping = new CancellationTokenSource();
                _following = FollowMembershipAsync(_stopping.Token);
                return Task.CompletedTask;
            },
            async stopped =>
            {
                _stopping?.Cancel();
                if (_following is { } following)
                {
                    await following;
                }
            });

    /// <summary>Watches every Gateway held here again, one call per Gateway.</summary>
    public void WatchAllAgain()
    {
        foreach (var (gatewayId, agentKeys) in Snapshot())
        {
            GrainReferences<IGatewayLeaseWatch>.Get(grains, gatewayId).WatchMany(agentKeys).Ignore();
        }
    }

    private async Task FollowMembershipAsync(CancellationToken stopping)
    {
        var gone = new HashSet<SiloAddress>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stopping))
            {
                var newlyGone = false;
                foreach (var (silo, entry) in snapshot.Members)
                {
                    if (entry.Status is SiloStatus.Dead or SiloStatus.ShuttingDown or SiloStatus.Stopping && gone.Add(silo))
                    {
                        newlyGone = true;
                    }
                }

                if (newlyGone)
                {
                    WatchAllAgain();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The silo is stopping.
        }
    }
}
