using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Auth;

using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Apis;

/// <summary>The live roster and one agent's session, for supervisors and admins of the caller's tenant.</summary>
public static class SupervisorApi
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 500;

    // Roster reads for one page at most, when entries of ended sessions leave the first short.
    private const int MaxRosterReads = 3;

    public static IEndpointRouteBuilder MapSupervisorApi(this IEndpointRouteBuilder routes)
    {
        var supervisors = routes.MapGroup("").RequireAuthorization(Policies.Supervisor).WithTags("Supervisor");

        supervisors.MapGet("/work-sessions", GetOpenSessionsAsync)
            .WithName("ListOpenWorkSessions")
            .WithSummary("The live roster: agents with an open session, in agent-id order, paged by cursor.")
            .WithDescription(
                "Pages hold at most `limit` agents (1–500, default 100) and may hold fewer while sessions end: keep "
                + "following `nextCursor` until it is null. `total` is the number of open sessions the tenant's roster "
                + "holds, read with the page.")
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

    private static async Task<Ok<OpenSessionsPage>> GetOpenSessionsAsync(
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
        var tenant = grains.GetTenantGrain(caller.TenantId);
        var items = new List<AgentView>(pageSize);
        var after = cursor;
        var total = 0;
        var reads = 0;
        do
        {
            // The grain pages its roster by agent id; the roster is the tenant's belief, and each agent grain is the
            // authority on its own session, so entries whose session has just ended are left out. A read that comes back
            // short that way is topped up a few times; past that the page is short and its cursor still leads on.
            var page = await tenant.GetRosterPage(after, pageSize - items.Count);
            var views = await Task.WhenAll(page.AgentIds.Select(id => grains.GetAgentGrain(caller.TenantId, id).GetSnapshot()));
            items.AddRange(views.Where(view => view.State != SessionState.None));
            after = page.NextAfter;
            total = page.Count;
        }
        while (after is not null && items.Count < pageSize && ++reads < MaxRosterReads);

        return TypedResults.Ok(new OpenSessionsPage(items, after, total));
    }

    private static async Task<Ok<AgentView>> GetAgentAsync(string agentId, ClaimsPrincipal user, IGrainFactory grains, SupervisorVisibility visibility) =>
        TypedResults.Ok(await visibility.VisibleAgentAsync(Caller.From(user), Agent(agentId, user, grains)));

    private static async Task<Ok<SessionRecord>> EndAgentSessionAsync(
        string agentId, EndSessionRequest? request, ClaimsPrincipal user, IGrainFactory grains, SupervisorVisibility visibility)
    {
        var caller = Caller.From(user);
        var note = InputRules.Note(request?.Note);
        var agent = Agent(agentId, user, grains);
        await visibility.VisibleAgentAsync(caller, agent);
        return TypedResults.Ok(await agent.EndSession(caller.AsSupervisorOrAdmin, note));
    }

    private static IAgentGrain Agent(string agentId, ClaimsPrincipal user, IGrainFactory grains) =>
        grains.GetAgentGrain(Caller.From(user).TenantId, agentId);
}

/// <summary>Body of a supervisor's or admin's end request.</summary>
public sealed record EndSessionRequest(string? Note = null);

/// <summary>A page of the live roster.</summary>
/// <param name="Items">The agents with an open session, in agent-id (ordinal) order; fewer than the limit when sessions
/// on the roster have just ended.</param>
/// <param name="NextCursor">The cursor of the next page, null on the last.</param>
/// <param name="Total">How many open sessions the tenant's roster holds, read with the page.</param>
public sealed record OpenSessionsPage(IReadOnlyList<AgentView> Items, string? NextCursor, int Total);
