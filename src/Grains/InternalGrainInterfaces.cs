using Orleans.Concurrency;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>
/// What the tenant grain calls on an agent grain. Internal to the silo: clients that reference
/// <c>Grains.Interfaces</c> cannot push preferences of their own.
/// </summary>
[Alias("WorkSessions.IAgentPreferencesTarget")]
internal interface IAgentPreferencesTarget : IGrainWithStringKey
{
    /// <summary>Applies the tenant's current preferences, whatever their version: the tenant is their only source.</summary>
    /// <param name="preferences">The tenant's current preferences.</param>
    /// <returns>True while the agent has an open session (so the tenant keeps it on the roster).</returns>
    [Alias("ApplyPreferences")]
    Task<bool> ApplyPreferences(TenantPreferences preferences);
}

/// <summary>What agent grains call on their tenant grain to keep its roster. Internal to the silo.</summary>
[Alias("WorkSessions.ITenantRoster")]
internal interface ITenantRoster : IGrainWithStringKey
{
    /// <summary>The agent has an open session; the tenant answers with a push when the agent's preferences differ.</summary>
    /// <param name="agentId">The agent's id within the tenant.</param>
    /// <param name="sessionId">The open session.</param>
    /// <param name="held">The preferences the agent holds.</param>
    [OneWay, Alias("SessionOpened")]
    Task SessionOpened(string agentId, Guid sessionId, TenantPreferences held);

    /// <summary>The agent's session ended.</summary>
    /// <param name="agentId">The agent's id within the tenant.</param>
    /// <param name="sessionId">The session that ended; a later session of the same agent stays on the roster.</param>
    [OneWay, Alias("SessionClosed")]
    Task SessionClosed(string agentId, Guid sessionId);
}

/// <summary>Addressing of the internal interfaces, with the same keys as the public ones.</summary>
internal static class InternalGrains
{
    public static ITenantRoster GetTenantRoster(this IGrainFactory grains, string tenantId) =>
        GrainReferences<ITenantRoster>.Get(grains, WorkSessionsGrains.TenantGrainKey(tenantId));

    public static IAgentPreferencesTarget GetAgentPreferencesTarget(this IGrainFactory grains, string tenantId, string agentId) =>
        GrainReferences<IAgentPreferencesTarget>.Get(grains, AgentKey.Format(tenantId, agentId));
}
