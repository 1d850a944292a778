using System.Collections.Immutable;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Auth;
using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Apis;

/// <summary>
/// Teams (docs/http-api.md#teams): the preferences that apply to an agent, its team's overrides over the tenant's, with
/// the source of each field.
/// </summary>
public static class TeamsApi
{
    public static IEndpointRouteBuilder MapTeamsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/me").RequireAuthorization(Policies.Agent).WithTags("Agent")
            .MapGet("/preferences", GetMineAsync)
            .WithName("GetMyPreferences")
            .WithSummary("The preferences that apply to the agent: its team's overrides over the tenant's, with the source of each.");
        routes.MapGroup("").RequireAuthorization(Policies.Supervisor).WithTags("Supervisor")
            .MapGet("/agents/{agentId}/preferences", GetAgentsAsync)
            .WithName("GetAgentPreferences")
            .WithSummary("The preferences that apply to an agent: its team's overrides over the tenant's, with the source of each.")
            .ProducesProblems(ErrorCodes.InvalidId, ErrorCodes.AgentNotFound);
        return routes;
    }

    private static async Task<Ok<EffectivePreferencesResponse>> GetMineAsync(ClaimsPrincipal user, IGrainFactory grains)
    {
        var caller = Caller.From(user);
        var effective = await grains.GetAgentGrain(caller.TenantId, caller.UserId).GetEffectivePreferences();
        return TypedResults.Ok(EffectivePreferencesResponse.From(effective));
    }

    private static async Task<Ok<EffectivePreferencesResponse>> GetAgentsAsync(string agentId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var agent = grains.GetAgentGrain(Caller.From(user).TenantId, agentId);

        // An agent never seen is a 404, which is also what another tenant's agents look like.
        _ = await agent.FindSnapshot() ?? throw new WorkSessionException(ErrorCodes.AgentNotFound, "This tenant has no agent with that id.");
        return TypedResults.Ok(EffectivePreferencesResponse.From(await agent.GetEffectivePreferences()));
    }
}

/// <summary>The preferences that apply to one agent.</summary>
/// <param name="WorkSessionsEnabled">Tenant-wide: whether agents work in sessions at all.</param>
/// <param name="AutoEndEnabled">Whether the agent is prompted when inactive and then switched to offline.</param>
/// <param name="InactivityTimeoutSeconds">Seconds without activity before the prompt.</param>
/// <param name="GracePeriodSeconds">Seconds the agent has to answer the prompt.</param>
/// <param name="NotReadyReasons">Tenant-wide: the not-ready reasons the status menu offers.</param>
/// <param name="TeamId">The agent's team; null when it belongs to none.</param>
/// <param name="Source">Where each field a team may override comes from: <c>tenant</c> or <c>team</c>.</param>
public sealed record EffectivePreferencesResponse(
    bool WorkSessionsEnabled,
    bool AutoEndEnabled,
    int InactivityTimeoutSeconds,
    int GracePeriodSeconds,
    ImmutableArray<string> NotReadyReasons,
    string? TeamId,
    PreferenceSources Source)
{
    public static EffectivePreferencesResponse From(EffectivePreferences effective)
    {
        ArgumentNullException.ThrowIfNull(effective);
        var p = effective.Preferences;
        return new(p.WorkSessionsEnabled, p.AutoEndEnabled, p.InactivityTimeoutSeconds, p.GracePeriodSeconds, p.NotReadyReasons, effective.TeamId, effective.Source);
    }
}
