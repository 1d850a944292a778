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

    /// <summary>The agent joins <paramref name="team"/>, leaving the team it was in.</summary>
    /// <param name="team">The team with its current overrides.</param>
    /// <returns>The team the agent was in before; null when none.</returns>
    [Alias("JoinTeam")]
    Task<string?> JoinTeam(TeamMembership team);

    /// <summary>The agent leaves <paramref name="teamId"/> and follows the tenant; nothing when it is in another team by now.</summary>
    /// <param name="teamId">The team it leaves.</param>
    [Alias("LeaveTeam")]
    Task LeaveTeam(string teamId);

    /// <summary>The agent's team changed its overrides; nothing when the agent is in another team by now, or holds a newer version.</summary>
    /// <param name="team">The team with its current overrides.</param>
    [Alias("TeamChanged")]
    Task TeamChanged(TeamMembership team);
}

/// <summary>What a Gateway's lease grain calls on an agent grain (docs/architecture.md#client-presence). Internal to the silo.</summary>
[Alias("WorkSessions.IAgentPresenceTarget")]
internal interface IAgentPresenceTarget : IGrainWithStringKey
{
    /// <summary>The Gateway's lease lapsed: its streams of this agent count as gone since <paramref name="lastRenewedAt"/>.</summary>
    /// <param name="gatewayId">The Gateway.</param>
    /// <param name="lastRenewedAt">When the Gateway last renewed its lease.</param>
    [OneWay, Alias("GatewayLost")]
    Task GatewayLost(string gatewayId, DateTimeOffset lastRenewedAt);

    /// <summary>Since when the agent's state machine holds the client absent; null while connected. For diagnostics and tests.</summary>
    [ReadOnly, Alias("GetClientAbsentSince")]
    Task<DateTimeOffset?> GetClientAbsentSince();
}

/// <summary>What agent grains call on a Gateway's lease grain. Internal to the silo.</summary>
[Alias("WorkSessions.IGatewayLeaseWatch")]
internal interface IGatewayLeaseWatch : IGrainWithStringKey
{
    /// <summary>The agent has a stream open on this Gateway: tell it when the lease lapses (at once if it has). Repeating it is harmless.</summary>
    /// <param name="agentKey">The agent, <c>"{tenantId}/{agentId}"</c>.</param>
    [OneWay, Alias("Watch")]
    Task Watch(string agentKey);

    /// <summary>The agent has no stream open on this Gateway any more.</summary>
    /// <param name="agentKey">The agent.</param>
    [OneWay, Alias("Unwatch")]
    Task Unwatch(string agentKey);
}

/// <summary>What agent grains and other teams call on a team grain. Internal to the silo.</summary>
[Alias("WorkSessions.ITeamMembership")]
internal interface ITeamMembership : IGrainWithStringKey
{
    /// <summary>The team as <paramref name="agentId"/> should hold it: null when the agent is not a member (or the team is gone).</summary>
    /// <param name="agentId">The agent's id within the tenant.</param>
    [AlwaysInterleave, Alias("GetMembership")]
    Task<TeamMembership?> GetMembership(string agentId);

    /// <summary>
    /// The agents joined another team: they are no longer members of this one. One-way, so two teams exchanging
    /// agents at once never wait on each other.
    /// </summary>
    /// <param name="agentIds">The agents that left.</param>
    [OneWay, Alias("MembersLeft")]
    Task MembersLeft(IReadOnlyList<string> agentIds);
}

/// <summary>What team grains call on their tenant's team directory. Internal to the silo.</summary>
[Alias("WorkSessions.ITeamDirectoryUpdates")]
internal interface ITeamDirectoryUpdates : IGrainWithStringKey
{
    /// <summary>
    /// The team as stored now; ignored when the directory holds a newer version (or the team's deletion at a newer
    /// version). The same version again replaces the entry: a member leaving for another team changes the count only.
    /// </summary>
    /// <param name="teamId">The team.</param>
    /// <param name="version">The team's stored version.</param>
    /// <param name="team">The team; null when it is deleted.</param>
    [Alias("Announce")]
    Task Announce(string teamId, long version, TeamSummary? team);
}

/// <summary>What agent grains call on their tenant grain to keep its roster. Internal to the silo.</summary>
[Alias("WorkSessions.ITenantRoster")]
internal interface ITenantRoster : IGrainWithStringKey
{
    /// <summary>
    /// The agent has an open session; the tenant answers with a push when the agent's preferences differ. What earlier
    /// versions send: agents now send <see cref="SessionChanged"/>, which carries the session's facts.
    /// </summary>
    /// <param name="agentId">The agent's id within the tenant.</param>
    /// <param name="sessionId">The open session.</param>
    /// <param name="held">The preferences the agent holds.</param>
    [OneWay, Alias("SessionOpened")]
    Task SessionOpened(string agentId, Guid sessionId, TenantPreferences held);

    /// <summary>
    /// The agent has an open session, with what the roster filters and counts on; sent when the session opens, when one
    /// of those facts changes, on the agent's activation and on each wake-up tick. The tenant answers with a push when the
    /// agent's preferences differ.
    /// </summary>
    /// <param name="agentId">The agent's id within the tenant.</param>
    /// <param name="facts">The open session and its team, status, reason and state.</param>
    /// <param name="held">The preferences the agent holds.</param>
    [OneWay, Alias("SessionChanged")]
    Task SessionChanged(string agentId, RosterFacts facts, TenantPreferences held);

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

    public static ITeamDirectoryUpdates GetTeamDirectoryUpdates(this IGrainFactory grains, string tenantId) =>
        GrainReferences<ITeamDirectoryUpdates>.Get(grains, WorkSessionsGrains.TenantGrainKey(tenantId));

    public static ITeamMembership GetTeamMembership(this IGrainFactory grains, string tenantId, string teamId) =>
        GrainReferences<ITeamMembership>.Get(grains, WorkSessionsGrains.TeamGrainKey(tenantId, teamId));

    public static IAgentPreferencesTarget GetAgentPreferencesTarget(this IGrainFactory grains, string tenantId, string agentId) =>
        GrainReferences<IAgentPreferencesTarget>.Get(grains, AgentKey.Format(tenantId, agentId));
}
