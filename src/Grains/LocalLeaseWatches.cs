using System.Collections.Concurrent;

namespace WorkSessions;

/// <summary>
/// The one place that watches Gateways' presence leases for this silo's agent activations
/// (docs/architecture.md#client-presence): an agent watches, unwatches or forgets a Gateway through it, and it keeps in
/// memory which agents watch which Gateway, so that the watches can be sent again: for every agent of the silo when a
/// silo leaves the cluster (the lease grains it held are activated again elsewhere without their watchers, and a
/// Gateway lost with them never renews to restore them), one call per Gateway carrying all its local watchers; and for
/// one agent on a stored wake-up reminder's tick. A re-created lease whose Gateway is gone then lapses unrenewed and
/// tells them. Safe from every activation's turn: the index is concurrent, the calls one-way.
/// </summary>
internal sealed class LocalLeaseWatches(IClusterMembershipService membership, IGrainFactory grains) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _byGateway = new(StringComparer.Ordinal);
    private CancellationTokenSource? _stopping;

    // Held so the loop is not a fire-and-forget task nobody can observe; it ends when the silo stops.
    private Task? _following;

    /// <summary>
    /// The agent has a stream on the Gateway: it watches the lease. Every time, not only for the Gateway's first stream:
    /// a lease activation that lost its watchers relies on it.
    /// </summary>
    public void Watch(string gatewayId, string agentKey)
    {
        _byGateway.GetOrAdd(gatewayId, static _ => new(StringComparer.Ordinal))[agentKey] = 0;
        Lease(gatewayId).Watch(agentKey).Ignore();
    }

    /// <summary>The agent's last stream on the Gateway closed: it no longer watches the lease.</summary>
    public void Unwatch(string gatewayId, string agentKey)
    {
        Forget(gatewayId, agentKey);
        Lease(gatewayId).Unwatch(agentKey).Ignore();
    }

    /// <summary>The lease lapsed (the lease forgot its watchers itself) or the agent's activation goes: no call.</summary>
    public void Forget(string gatewayId, string agentKey)
    {
        if (_byGateway.TryGetValue(gatewayId, out var agents))
        {
            agents.TryRemove(agentKey, out _);
        }
    }

    /// <summary>The local watchers of each Gateway, as they are now.</summary>
    public IReadOnlyList<(string GatewayId, string[] AgentKeys)> Snapshot() =>
        [.. _byGateway.Select(pair => (pair.Key, pair.Value.Keys.ToArray())).Where(entry => entry.Item2.Length > 0)];

    /// <summary>Watches every Gateway held here again, one call per Gateway.</summary>
    public void WatchAllAgain()
    {
        foreach (var (gatewayId, agentKeys) in Snapshot())
        {
            WatchAgain(gatewayId, agentKeys);
        }
    }

    /// <summary>Watches the Gateways <paramref name="agentKey"/> holds streams on again (a stored wake-up reminder's tick).</summary>
    public void WatchAgain(IEnumerable<string> gatewayIds, string agentKey)
    {
        foreach (var gatewayId in gatewayIds)
        {
            WatchAgain(gatewayId, [agentKey]);
        }
    }

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

    private void WatchAgain(string gatewayId, string[] agentKeys) => Lease(gatewayId).WatchMany(agentKeys).Ignore();

    private IGatewayLeaseWatch Lease(string gatewayId) => GrainReferences<IGatewayLeaseWatch>.Get(grains, gatewayId);

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
