namespace WorkSessions;

/// <summary>
/// One Gateway's presence lease (docs/architecture.md#client-presence): renewed by its Gateway, in memory only. It
/// holds the agents with a stream open on that Gateway (they watch it); when the lease lapses it tells each of them
/// once and deactivates. An activation the Gateway has not renewed yet — after a lost silo, or one an agent's watch
/// re-created for a Gateway that died meanwhile — gives the Gateway one default lease to show up, then lapses too.
/// </summary>
[GrainType("gateway-lease")]
internal sealed class GatewayLeaseGrain(TimeProvider timeProvider) : Grain, IGatewayLeaseGrain, IGatewayLeaseWatch
{
    private readonly HashSet<string> _watchers = new(StringComparer.Ordinal);
    private IGrainTimer? _expiry;
    private DateTimeOffset _lastRenewedAt;
    private DateTimeOffset _expiresAt;
    private bool _renewed;
    private bool _lapsed;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Counted from the activation: a Gateway that is alive renews within a period and restores its agents.
        Extend(IGatewayLeaseGrain.DefaultLease);
        return Task.CompletedTask;
    }

    public Task<bool> Renew(TimeSpan lease)
    {
        // After a lapse its agents were told already: they count its streams again once it announces them anew.
        var known = _renewed && !_lapsed;
        _renewed = true;
        _lapsed = false;
        Extend(lease > TimeSpan.Zero ? lease : IGatewayLeaseGrain.DefaultLease);
        return Task.FromResult(known);
    }

    public Task Watch(string agentKey)
    {
        if (_lapsed)
        {
            Tell(agentKey);
        }
        else
        {
            _watchers.Add(agentKey);
        }

        return Task.CompletedTask;
    }

    public async Task WatchMany(string[] agentKeys)
    {
        foreach (var agentKey in agentKeys)
        {
            await Watch(agentKey);
        }
    }

    public Task Unwatch(string agentKey)
    {
        _watchers.Remove(agentKey);
        return Task.CompletedTask;
    }

    private void Extend(TimeSpan lease)
    {
        // Only the clock moves per renewal: the timer is re-armed when it fires early, not changed per renewal.
        _lastRenewedAt = timeProvider.GetUtcNow();
        _expiresAt = _lastRenewedAt + lease;
        _expiry ??= this.RegisterGrainTimer(OnExpiryAsync, new GrainTimerCreationOptions(lease, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private Task OnExpiryAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (now < _expiresAt)
        {
            _expiry!.Change(_expiresAt - now, Timeout.InfiniteTimeSpan);
            return Task.CompletedTask;
        }

        _lapsed = true;
        foreach (var agentKey in _watchers)
        {
            Tell(agentKey);
        }

        _watchers.Clear();
        _expiry!.Dispose();
        _expiry = null;
        // Kept a while so a late watch is answered at once; idle collection removes it later.
        return Task.CompletedTask;
    }

    private void Tell(string agentKey) =>
        GrainReferences<IAgentPresenceTarget>.Get(GrainFactory, agentKey).GatewayLost(this.GetPrimaryKeyString(), _lastRenewedAt).Ignore();
}
