using WorkSessions.Contracts;

namespace WorkSessions.Gateway.Auth;

/// <summary>
/// What a supervisor may see under the tenant's <c>supervisorScope</c> (docs/architecture.md#teams): the one place that
/// decides it, for every route that names an agent or a team. Under <c>teams</c> a supervisor who is not an admin sees
/// the agents of the teams that list them; anything else answers exactly as if it did not exist, never 403, so a
/// scoped supervisor learns nothing about the rest of the tenant.
/// </summary>
public sealed class SupervisorVisibility(IGrainFactory grains)
{
    /// <summary>The detail of an unknown agent's 404, shared by every route so that one outside the scope reads the same.</summary>
    public const string UnknownAgentDetail = "This tenant has no agent with that id.";

    /// <summary>The detail of an unknown team's 404, shared by every route so that one outside the scope reads the same.</summary>
    public static string UnknownTeamDetail(string teamId) => $"The tenant has no team '{teamId}'.";

    /// <summary>The teams whose agents the caller sees; null when the caller sees the whole tenant.</summary>
    /// <param name="caller">The supervisor or admin.</param>
    public async Task<IReadOnlySet<string>?> VisibleTeamsAsync(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!await IsScopedAsync(caller))
        {
            return null;
        }

        var teams = await grains.GetTeamDirectory(caller.TenantId).TeamsOf(caller.UserId);
        return teams.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// The teams a list selects for the caller (the roster, the summary, the reports, the feed): <paramref name="asked"/>
    /// for a caller who sees the whole tenant (null: every team and none); for a scoped supervisor their own teams, or
    /// those of <paramref name="asked"/> that are theirs (another team selects nothing, as a team with no agents does).
    /// </summary>
    /// <param name="caller">The supervisor or admin.</param>
    /// <param name="asked">The teams the request names, already validated; null when it names none.</param>
    public async Task<IReadOnlyList<string>?> NarrowAsync(Caller caller, IReadOnlyList<string>? asked)
    {
        if (await VisibleTeamsAsync(caller) is not { } visible)
        {
            return asked;
        }

        return asked is null ? [.. visible.Order(StringComparer.Ordinal)] : [.. asked.Where(visible.Contains)];
    }

    /// <summary>Whether the caller sees only the teams that list them (a supervisor, not an admin, under <c>teams</c>).</summary>
    /// <param name="caller">The supervisor or admin.</param>
    public async Task<bool> IsScopedAsync(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return !caller.IsAdmin && !await SeesWholeTenantAsync(caller);
    }

    /// <summary>Whether an agent of <paramref name="teamId"/> (null: in no team) is within <paramref name="visibleTeams"/>.</summary>
    /// <param name="visibleTeams">What <see cref="VisibleTeamsAsync"/> answered.</param>
    /// <param name="teamId">The agent's team.</param>
    public static bool Includes(IReadOnlySet<string>? visibleTeams, string? teamId) =>
        visibleTeams is null || (teamId is not null && visibleTeams.Contains(teamId));

    /// <summary>Whether the caller sees the agent: false also for an agent the tenant has never seen.</summary>
    /// <param name="caller">The supervisor or admin.</param>
    /// <param name="agentId">The agent's id; an invalid one is <c>invalid_id</c>, as on every route.</param>
    public async Task<bool> CanSeeAgentAsync(Caller caller, string agentId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var view = await grains.GetAgentGrain(caller.TenantId, agentId).FindSnapshot();
        return view is not null && Includes(await VisibleTeamsAsync(caller), view.TeamId);
    }

    /// <summary>The agent's view when the caller sees it; otherwise the unknown agent's 404 (<c>agent_not_found</c>).</summary>
    /// <param name="caller">The supervisor or admin.</param>
    /// <param name="agent">The agent's grain.</param>
    public async Task<AgentView> VisibleAgentAsync(Caller caller, IAgentGrain agent)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(agent);
        var view = await agent.FindSnapshot();
        if (view is null || !Includes(await VisibleTeamsAsync(caller), view.TeamId))
        {
            // An agent never seen is a 404, which is also what another tenant's agents look like (the tenant comes
            // from the token), and what an agent outside a scoped supervisor's teams looks like.
            throw new WorkSessionException(ErrorCodes.AgentNotFound, UnknownAgentDetail);
        }

        return view;
    }

    /// <summary>The team when the caller sees it; otherwise the unknown team's 404 (<c>team_not_found</c>).</summary>
    /// <param name="caller">The supervisor or admin.</param>
    /// <param name="teamId">The team's id.</param>
    public async Task<Team> VisibleTeamAsync(Caller caller, string teamId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var team = await grains.GetTeamGrain(caller.TenantId, teamId).Get();

        // The team grain is the authority on its supervisors; the directory may lag it by an announcement.
        if (team is null || (await IsScopedAsync(caller) && !team.Supervisors.Contains(caller.UserId, StringComparer.Ordinal)))
        {
            throw new WorkSessionException(ErrorCodes.TeamNotFound, UnknownTeamDetail(teamId));
        }

        return team;
    }

    private async Task<bool> SeesWholeTenantAsync(Caller caller) =>
        (await grains.GetTenantGrain(caller.TenantId).GetPreferences()).Preferences.SupervisorScope == SupervisorScope.Tenant;
}
