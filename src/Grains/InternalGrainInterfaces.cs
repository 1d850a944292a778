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

    /// <summary>
    /// The tenant rebuilt its roster without this agent's status (after it activated): the agent tells it again about
    /// its open session. Nothing without one.
    /// </summary>
    [OneWay, Alias("Reannounce")]
    Task Reannounce();
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

    /// <summary>
    /// Agents of one silo with a stream open on this Gateway, watched again (<see cref="LocalLeaseWatches"/>): together
    /// after a silo left the cluster, one at a time on a stored wake-up reminder's tick. As <see cref="Watch"/> for each.
    /// </summary>
    /// <param name="agentKeys">The agents.</param>
    [OneWay, Alias("WatchMany")]
    Task WatchMany(string[] agentKeys);

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

/// <summary>
/// What an agent grain tells its wake shard (docs/architecture.md#timers-and-reminders). Internal to the silo. Never
/// on the heartbeat path: a join when a session opens, where the agent runs when it activates, away when it
/// deactivates, a leave when nothing more needs it woken.
/// </summary>
[Alias("WorkSessions.IWakeShard")]
internal interface IWakeShard : IGrainWithStringKey
{
    /// <summary>Stores the agent as a member with <paramref name="sessionId"/>; answers once the row is committed.</summary>
    /// <param name="agentKey">The agent grain's key.</param>
    /// <param name="sessionId">The session about to be stored (<see cref="Guid.Empty"/>: report events only).</param>
    /// <param name="at">Where the agent's activation runs.</param>
    [Alias("Join")]
    Task Join(string agentKey, Guid sessionId, WakeLocation at);

    /// <summary>An activation that needs wake-ups runs at <paramref name="at"/>; stores the member if the shard lacks it.</summary>
    /// <param name="agentKey">The agent grain's key.</param>
    /// <param name="sessionId">The open session (<see cref="Guid.Empty"/>: report events only).</param>
    /// <param name="at">Where the activation runs.</param>
    [Alias("Here")]
    Task Here(string agentKey, Guid sessionId, WakeLocation at);

    /// <summary>The activation at <paramref name="at"/> went away; ignored when a newer one has said where it runs.</summary>
    /// <param name="agentKey">The agent grain's key.</param>
    /// <param name="at">Where the activation ran.</param>
    /// <param name="wantsWake">Whether something is due without a caller: a deadline, or undelivered report events.</param>
    [OneWay, Alias("Away")]
    Task Away(string agentKey, WakeLocation at, bool wantsWake);

    /// <summary>The agent needs no more wake-ups for <paramref name="sessionId"/>; nothing when it joined with a newer one since.</summary>
    /// <param name="agentKey">The agent grain's key.</param>
    /// <param name="sessionId">The session it joined with.</param>
    [OneWay, Alias("Leave")]
    Task Leave(string agentKey, Guid sessionId);

    /// <summary>Looks for members to wake now (a silo left the cluster); otherwise the shard's timer does within a scan period.</summary>
    [OneWay, Alias("Poke")]
    Task Poke();
}

/// <summary>What a wake shard calls on an agent grain. Internal to the silo.</summary>
[Alias("WorkSessions.IAgentWake")]
internal interface IAgentWake : IGrainWithStringKey
{
    /// <summary>
    /// Answers where the agent runs and whether it still needs wake-ups. A live activation answers from memory; a call
    /// that finds none creates one, and the activation applies the recovery rule (docs/architecture.md#recovery-rule).
    /// </summary>
    [AlwaysInterleave, Alias("Wake")]
    Task<WakeAnswer> Wake();
}

/// <summary>Where an agent's activation runs.</summary>
/// <param name="Silo">The silo.</param>
/// <param name="Activation">The activation.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.WakeLocation")]
internal sealed record WakeLocation([property: Id(0)] SiloAddress Silo, [property: Id(1)] ActivationId Activation);

/// <summary>An agent's answer to its wake shard.</summary>
/// <param name="Needed">Whether it still needs wake-ups.</param>
/// <param name="SessionId">The session it is a member with (<see cref="Guid.Empty"/>: report events only).</param>
/// <param name="At">Where it runs.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.WakeAnswer")]
internal sealed record WakeAnswer([property: Id(0)] bool Needed, [property: Id(1)] Guid SessionId, [property: Id(2)] WakeLocation At);
