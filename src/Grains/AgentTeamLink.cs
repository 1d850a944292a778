using Microsoft.Extensions.Logging;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>
/// The agent grain's side of its team (docs/architecture.md#teams): asking the team how it holds the agent, on
/// activation and on each wake-up, so that a push lost while no activation listened, or while this one stayed up, is
/// caught up. The team answers from memory, interleaved; what to adopt is <see cref="Domain.TeamRules"/>'s rule.
/// </summary>
internal static class AgentTeamLink
{
    /// <summary>The team as it holds the agent now: null when the agent is in none, or its team let it go meanwhile.</summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="tenantId">The agent's tenant.</param>
    /// <param name="agentId">The agent.</param>
    /// <param name="held">The membership the agent holds; null asks nobody.</param>
    public static async Task<TeamMembership?> AskAsync(IGrainFactory grains, string tenantId, string agentId, TeamMembership? held) =>
        held is null ? null : await grains.GetTeamMembership(tenantId, held.TeamId).GetMembership(agentId);

    /// <summary>
    /// <see cref="AskAsync"/> for a wake-up: a team that does not answer is logged and the wake-up goes on with its
    /// deadlines (false, nothing to adopt); the next tick asks again.
    /// </summary>
    public static async Task<(bool Answered, TeamMembership? Answer)> TryAskAsync(
        IGrainFactory grains, string tenantId, string agentId, TeamMembership held, ILogger logger, string agentKey)
    {
        try
        {
            return (true, await AskAsync(grains, tenantId, agentId, held));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            AgentLog.TeamAskFailed(logger, exception, agentKey, held.TeamId);
            return (false, null);
        }
    }
}
