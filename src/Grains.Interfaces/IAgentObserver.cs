using Orleans.Concurrency;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>Receives an agent's events as they happen (the Gateway's event stream uses it).</summary>
[Alias("WorkSessions.IAgentObserver")]
public interface IAgentObserver : IGrainObserver
{
    /// <summary>
    /// What happened to the agent in one transition, in order. One call per transition, because separate
    /// one-way messages may arrive out of order. Delivered at most once while subscribed.
    /// </summary>
    /// <param name="agentEvents">The transition's events, oldest first.</param>
    [OneWay, Alias("OnAgentEvents")]
    Task OnAgentEvents(IReadOnlyList<AgentEvent> agentEvents);
}
