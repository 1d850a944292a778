using Orleans.Concurrency;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>Receives an agent's events as they happen (the Gateway's event stream uses it).</summary>
[Alias("WorkSessions.IAgentObserver")]
public interface IAgentObserver : IGrainObserver
{
    /// <summary>Something happened to the agent. Delivered at most once, in order per agent while connected.</summary>
    /// <param name="agentEvent">The event.</param>
    [OneWay, Alias("OnAgentEvent")]
    Task OnAgentEvent(AgentEvent agentEvent);
}
