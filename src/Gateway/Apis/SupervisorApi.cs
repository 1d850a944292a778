using System.ComponentModel;
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
            .WithSummary("The live roster: agents with an open session, in agent-id order, filtered, paged by cursor.")
            .WithDescription(
                "Filters: `state` (`open`, the default, `active` or `warned`), `status` (`ready`, `notReady` or "
                + "`occupied`), `teamId` and `q` (a case-insensitive substring of the agent id). Pages hold at most `limit` "
                + "agents (1–500, default 100) and may hold fewer, even none, while sessions end or when few agents match: "
                + "a filtered page reads at most 10,000 entries of the roster past its cursor. Keep following `nextCursor` "
                + "until it is null. `total` is the number of open sessions of the tenant (of the team with `teamId`), read "
                + "with the page.")
            .ProducesProblems(Problems.InvalidRequest, ErrorCodes.InvalidArgument, ErrorCodes.InvalidId);
        supervisors.MapGet("/work-sessions/summary", GetSummaryAsync)
            .WithName("GetWorkSessionsSummary")
            .WithSummary("Counts of the open sessions by state, status and not-ready reason, of the tenant or of one team.")
            .WithDescription(
                "Kept by the roster as sessions change, so it costs the same at any size. Right after the roster is "
                + "rebuilt (a restart), sessions count in `open` before their agents re-announce their status and state, "
                + "within a minute.")
            .ProducesProblems(ErrorCodes.InvalidId);
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

    // The filters come after cursor and limit: clients generated from an earlier document pass those by position.
    private static async Task<Ok<OpenSessionsPage>> GetOpenSessionsAsync(
        ClaimsPrincipal user,
        IGrainFactory grains,
        SupervisorVisibility visibility,
        [Description("Only sessions in this state: open (the default, every open session), active or warned.")] string? state,
        [Description("The nextCursor of the previous page.")] string? cursor,
        [Description("At most this many agents, 1 to 500; 100 when absent.")] int? limit,
        [Description("Only agents in this status: ready, notReady or occupied.")] string? status,
        [Description("Only agents of this team.")] string? teamId,
        [Description("Only agents whose id contains this text, compared case-insensitively: 1 to 128 characters an agent id may hold.")] string? q)
    {
        var pageSize = limit ?? DefaultPageSize;
        if (pageSize is < 1 or > MaxPageSize)
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"limit must be between 1 and {MaxPageSize}.");
        }

        var query = RosterQuery.Validate(new RosterQuery(
            TeamIds(teamId),
            status switch
            {
                null => null,
                "ready" => AgentStatus.Ready,
                "notReady" => AgentStatus.NotReady,
                "occupied" => AgentStatus.Occupied,
                _ => throw new WorkSessionException(ErrorCodes.InvalidArgument, "status is one of ready, notReady, occupied."),
            },
            state switch
            {
                null or "open" => null,
                "active" => SessionState.Active,
                "warned" => SessionState.Warned,
                _ => throw new WorkSessionException(ErrorCodes.InvalidArgument, "state is one of open, active, warned."),
            },
            q));
        var caller = Caller.From(user);
        query = query with { TeamIds = await visibility.NarrowAsync(caller, query.TeamIds) };
        var tenant = grains.GetTenantGrain(caller.TenantId);
        var items = new List<AgentView>(pageSize);
        var after = cursor;
        var total = 0;
        var reads = 0;
        do
        {
            // The grain filters and pages its roster by agent id; the roster is the tenant's belief, and each agent grain
            // is the authority on its own session, so entries whose session has just ended or no longer matches are left
            // out. A read that comes back short that way is topped up a few times; past that the page is short and its
            // cursor still leads on.
            var page = await tenant.GetRosterPage(query, after, pageSize - items.Count);
            var views = await Task.WhenAll(page.AgentIds.Select(id => grains.GetAgentGrain(caller.TenantId, id).GetSnapshot()));
            items.AddRange(views.Where(view => Matches(query, view)));
            after = page.NextAfter;
            total = page.Count;
        }
        while (after is not null && items.Count < pageSize && ++reads < MaxRosterReads);

        return TypedResults.Ok(new OpenSessionsPage(items, after, total));
    }

    private static async Task<Ok<WorkSessionsSummary>> GetSummaryAsync(
        ClaimsPrincipal user, IGrainFactory grains, SupervisorVisibility visibility, [Description("Only the open sessions of this team.")] string? teamId)
    {
        var caller = Caller.From(user);
        var query = RosterQuery.Validate(new RosterQuery(TeamIds(teamId)));
        query = query with { TeamIds = await visibility.NarrowAsync(caller, query.TeamIds) };
        var summary = await grains.GetTenantGrain(caller.TenantId).GetRosterSummary(query.TeamIds);
        return TypedResults.Ok(WorkSessionsSummary.From(summary));
    }

    /// <summary>The team set of a request: null (any) without <c>teamId</c>.</summary>
    private static string[]? TeamIds(string? teamId) => teamId is null ? null : [teamId];

    /// <summary>Whether the agent's own view still has an open session the query selects.</summary>
    private static bool Matches(RosterQuery query, AgentView view) =>
        view.State != SessionState.None
        && (query.State is not { } state || view.State == state)
        && (query.Status is not { } status || view.Status == status)
        && (query.TeamIds is not { } teams || (view.TeamId is { } team && teams.Contains(team)));

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
/// <param name="Total">How many open sessions the tenant's roster holds (the team's, with <c>teamId</c>), read with the page.</param>
public sealed record OpenSessionsPage(IReadOnlyList<AgentView> Items, string? NextCursor, int Total);

/// <summary>Counts of the open sessions of a tenant, or of one of its teams.</summary>
/// <param name="Open">Open sessions.</param>
/// <param name="ByState">Open sessions by state.</param>
/// <param name="ByStatus">Open sessions by the agent's status.</param>
/// <param name="NotReadyByReason">Not-ready agents per reason code; only reasons with at least one agent.</param>
public sealed record WorkSessionsSummary(
    int Open,
    WorkSessionsByState ByState,
    WorkSessionsByStatus ByStatus,
    IReadOnlyDictionary<string, int> NotReadyByReason)
{
    /// <summary>The response of the grain's counts.</summary>
    /// <param name="summary">The roster's counts.</param>
    public static WorkSessionsSummary From(RosterSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new(
            summary.Open,
            new(summary.Active, summary.Warned),
            new(summary.Ready, summary.NotReady, summary.Occupied),
            summary.NotReadyByReason);
    }
}

/// <summary>Open sessions by state.</summary>
/// <param name="Active">No pending prompt.</param>
/// <param name="Warned">The inactivity prompt is pending.</param>
public sealed record WorkSessionsByState(int Active, int Warned);

/// <summary>Open sessions by the agent's status.</summary>
/// <param name="Ready">Ready.</param>
/// <param name="NotReady">Not ready.</param>
/// <param name="Occupied">In an engagement.</param>
public sealed record WorkSessionsByStatus(int Ready, int NotReady, int Occupied);
