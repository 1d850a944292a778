using Microsoft.Extensions.Logging;
using Orleans.Utilities;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>
/// The agent grain's subscribers (the Gateways' event streams of the agent's open clients), each on a lease the client
/// renews (<see cref="IAgentGrain.ObserverLease"/>). The manager is created by the first subscription: most agents never
/// have one, and an empty manager is a few hundred bytes. A mutable struct held in a field of the grain.
/// </summary>
internal struct AgentObservers
{
    private ObserverManager<IAgentObserver>? _manager;

    /// <summary>Subscribes <paramref name="observer"/> or renews its lease.</summary>
    /// <returns>True when it was subscribed already (a renewal).</returns>
    public bool Subscribe(IAgentObserver observer, ILogger logger)
    {
        _manager ??= new(IAgentGrain.ObserverLease, logger);
        var renewed = _manager.Observers.ContainsKey(observer);
        _manager.Subscribe(observer, observer);
        return renewed;
    }

    /// <summary>Ends <paramref name="observer"/>'s subscription.</summary>
    public readonly void Unsubscribe(IAgentObserver observer) => _manager?.Unsubscribe(observer);

    /// <summary>Tells every subscriber of <paramref name="events"/>; nothing when there are none of either.</summary>
    public readonly Task NotifyAsync(IReadOnlyList<AgentEvent> events) =>
        events.Count > 0 && _manager is { Count: > 0 } manager ? manager.Notify(observer => observer.OnAgentEvents(events)) : Task.CompletedTask;
}
