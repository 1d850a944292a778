using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using WorkSessions.Contracts;
using WorkSessions.Domain;
using WorkSessions.Gateway.Auth;

using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Apis;

/// <summary>The live roster and one agent's session, for supervisors and admins of the caller's tenant.</summary>
public static class SupervisorApi
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapSupervisorApi(this IEndpointRouteBuilder routes)
    {
        var supervisors = routes.MapGroup("").RequireAuthorization(Policies.Supervisor).WithTags("Supervisor");

        supervisors.MapGet("/work-sessions", GetOpenSessionsAsync)
            .WithName("ListOpenWorkSessions")
            .WithSummary("The live roster: agents with an open session, in agent-id order, paged by cursor.")
            .ProducesProblems(Problems.InvalidRequest);
        supervisors.MapGet("/agents/{agentId}/work-session", GetAgentAsync)
            .WithName("GetAgentWorkSession")
            .WithSummary("One agent's state, session, status and prompt; 404 for an agent the tenant has never seen.")
            .ProducesProblems(ErrorCodes.InvalidId, ErrorCodes.AgentNotFound);
        supervisors.MapPost("/agents/{agentId}/work-session/end", EndAgentSessionAsync)
            .WithName("EndAgentWorkSession")
            .WithSummary("End an agent's session as a supervisor or admin; returns the final session record.")
            .ProducesProblems(ErrorCodes.AgentNotFound, ErrorCodes.NoOpenSession, ErrorCodes.InvalidId);
        return routes;
    }

    private static async Task<Ok<Page<AgentView>>> GetOpenSessionsAsync(
        ClaimsPrincipal user, IGrainFactory grains, string? state, string? cursor, int? limit)
    {
        if (state is not null && state != "open")
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, "Only state=open is supported.");
        }

        var pageSize = limit ?? DefaultPageSize;
        if (pageSize is < 1 or > MaxPageSize)
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"limit must be between 1 and {MaxPageSize}.");
        }

        var caller = Caller.From(user);
        var roster = await grains.GetTenantGrain(caller.TenantId).GetRoster();
        var page = roster.Where(id => cursor is null || string.CompareOrdinal(id, cursor) > 0).Take(pageSize + 1).ToList();
        var hasMore = page.Count > pageSize;
        if (hasMore)
        {
            page.RemoveAt(page.Count - 1);
        }

        // The roster is the tenant's belief; each agent grain is the authority on its own session.
        var views = await Task.WhenAll(page.Select(id => grains.GetAgentGrain(caller.TenantId, id).GetSnapshot()));
        return TypedResults.Ok(new Page<AgentView>(
            [.. views.Where(view => view.State != SessionState.None)],
            hasMore ? page[^1] : null));
    }

    private static async Task<Ok<AgentView>> GetAgentAsync(string agentId, ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await KnownAgentAsync(Agent(agentId, user, grains)));

    private static async Task<Ok<SessionRecord>> EndAgentSessionAsync(
        string agentId, EndSessionRequest? request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var caller = Caller.From(user);
        var note = InputRules.Note(request?.Note);
        var agent = Agent(agentId, user, grains);
        await KnownAgentAsync(agent);
        return TypedResults.Ok(await agent.EndSession(caller.AsSupervisorOrAdmin, note));
    }

    /// <summary>
    /// An agent the tenant has never seen is a 404, which is also what another tenant's agents look like:
    /// the tenant comes from the token, so their ids name never-seen agents of the caller's tenant.
    /// </summary>
    private static async Task<AgentView> KnownAgentAsync(IAgentGrain agent) =>
        await agent.FindSnapshot() ?? throw new WorkSessionException(ErrorCodes.AgentNotFound, "This tenant has no agent with that id.");

    private static IAgentGrain Agent(string agentId, ClaimsPrincipal user, IGrainFactory grains) =>
        grains.GetAgentGrain(Caller.From(user).TenantId, agentId);
}

/// <summary>Body of a supervisor's or admin's end request.</summary>
public sealed record EndSessionRequest(string? Note = null);

/// <summary>A page of a list: the items and the cursor of the next page, null on the last.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
