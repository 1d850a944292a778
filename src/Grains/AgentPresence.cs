using WorkSessions.Domain;

namespace WorkSessions;

/// <summary>
/// The agent grain's side of client presence (docs/architecture.md#client-presence): which Gateways hold which of the
/// agent's event streams and since when none has, in memory only, and the watch on each such Gateway's lease.
/// <see cref="Command"/> gives the state machine's command that brings its view of the client in line (or nothing), so
/// a command that failed to store is simply given again with the next change or wake-up. A mutable struct held in a
/// field of the grain; the dictionary exists only once a stream was open.
/// </summary>
internal struct AgentPresence
{
    private Dictionary<string, HashSet<Guid>>? _streams;
    private DateTimeOffset? _absentSince;

    private readonly bool Connected => _streams is { Count: > 0 };

    /// <summary>
    /// A new activation knows no stream: it counts the client as absent only from <paramref name="absentFrom"/>, by
    /// which time every open stream has announced itself again (<see cref="IAgentGrain.PresenceReannounceWindow"/>).
    /// </summary>
    /// <returns>The absence the loaded state is to hold.</returns>
    public DateTimeOffset Activated(DateTimeOffset absentFrom)
    {
        _absentSince = absentFrom;
        return absentFrom;
    }

    /// <summary>A stream opened (or announced itself again): the agent watches its Gateway's lease.</summary>
    /// <returns>The machine's command for <paramref name="current"/>, as <see cref="Command"/>.</returns>
    public WorkSessionCommand? Connect(LocalLeaseWatches watches, string agentKey, string gatewayId, Guid streamId, AgentState current)
    {
        ArgumentException.ThrowIfNullOrEmpty(gatewayId);
        _streams ??= new(StringComparer.Ordinal);
        if (!_streams.TryGetValue(gatewayId, out var onGateway))
        {
            _streams[gatewayId] = onGateway = [];
        }

        onGateway.Add(streamId);
        _absentSince = null;
        watches.Watch(gatewayId, agentKey);
        return Command(current);
    }

    /// <summary>A stream closed: absent since <paramref name="now"/> when it was the last one.</summary>
    /// <returns>The machine's command for <paramref name="current"/>, as <see cref="Command"/>.</returns>
    public WorkSessionCommand? Disconnect(LocalLeaseWatches watches, string agentKey, string gatewayId, Guid streamId, DateTimeOffset now, AgentState current)
    {
        if (_streams?.GetValueOrDefault(gatewayId) is not { } onGateway || !onGateway.Remove(streamId))
        {
            return Command(current);
        }

        if (onGateway.Count == 0)
        {
            _streams.Remove(gatewayId);
            watches.Unwatch(gatewayId, agentKey);
        }

        if (!Connected)
        {
            _absentSince = now;
        }

        return Command(current);
    }

    /// <summary>A Gateway's lease lapsed: its streams count as gone since it was last heard from.</summary>
    /// <returns>The machine's command for <paramref name="current"/>, as <see cref="Command"/>.</returns>
    public WorkSessionCommand? Lose(LocalLeaseWatches watches, string agentKey, string gatewayId, DateTimeOffset lastRenewedAt, AgentState current)
    {
        watches.Forget(gatewayId, agentKey);
        if (_streams?.Remove(gatewayId) == true && !Connected)
        {
            _absentSince = lastRenewedAt;
        }

        return Command(current);
    }

    /// <summary>The command that tells the state machine what this presence is, when it holds otherwise; null when it agrees.</summary>
    /// <param name="current">The agent's state as the grain holds it.</param>
    public readonly WorkSessionCommand? Command(AgentState current)
    {
        if (Connected)
        {
            return current.ClientAbsentSince is not null || current.Session?.ClientGoneSince is not null
                ? new WorkSessionCommand.ClientConnected()
                : null;
        }

        return _absentSince is { } since && current.ClientAbsentSince != since ? new WorkSessionCommand.ClientAbsent(since) : null;
    }

    /// <summary>
    /// Watches each Gateway held again (on a stored wake-up reminder's tick), as <see cref="LocalLeaseWatches"/> does for
    /// every agent of the silo when a silo leaves: a watch lost with a silo, or a Gateway and its lease's silo lost
    /// together, is noticed within a period, as the lease activation the watch re-creates lapses unrenewed.
    /// </summary>
    public readonly void WatchAgain(LocalLeaseWatches watches, string agentKey)
    {
        if (_streams is not null)
        {
            watches.WatchAgain(_streams.Keys, agentKey);
        }
    }

    /// <summary>The activation goes away: this silo's watches of the agent go with it (the next activation's streams announce themselves).</summary>
    public readonly void Forget(LocalLeaseWatches watches, string agentKey)
    {
        foreach (var gatewayId in _streams?.Keys ?? Enumerable.Empty<string>())
        {
            watches.Forget(gatewayId, agentKey);
        }
    }
}
