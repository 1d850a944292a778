using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Auth;
using WorkSessions.Gateway.Events;

using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Apis;

/// <summary>The agent's own work session, status and event stream: <c>/me/*</c>, agents only.</summary>
public static class MeApi
{
    public const string HeartbeatRateLimit = "heartbeat";

    public static IEndpointRouteBuilder MapMeApi(this IEndpointRouteBuilder routes)
    {
        // Any role may ask who it is: the console learns the caller's roles here, as the Gateway mapped the token's claims
        // (Auth:Claims:*, Auth:Roles:*), instead of reading a provider's claims itself.
        routes.MapGet("/me/identity", GetIdentity)
            .RequireAuthorization(Policies.AnyRole)
            .WithTags("Identity")
            .WithName("GetMyIdentity")
            .WithSummary("Who the token says is calling, as the Gateway maps its claims: the user id, the tenant and the roles (agent, supervisor, admin). Any role; a valid token that maps to none is 403 no_role.");

        var me = routes.MapGroup("/me").RequireAuthorization(Policies.Agent).WithTags("Agent");

        me.MapGet("/work-session", GetAsync)
            .WithName("GetMyWorkSession")
            .WithSummary("The agent's state, open session, status and pending prompt.");
        me.MapPost("/work-session", StartAsync)
            .WithName("StartMyWorkSession")
            .WithSummary("Start a work session: 201 with a new one, 200 with the one already open.")
            .ProducesProblems(ErrorCodes.WorkSessionsDisabled, ErrorCodes.InvalidStatus);
        me.MapPost("/work-session/activity", RecordActivityAsync)
            .WithName("RecordMyActivity")
            .WithSummary("Heartbeat: the agent interacted with the client.")
            .RequireRateLimiting(HeartbeatRateLimit)
            .WithMetadata(new Resilience.IdempotentAttribute())
            .ProducesProblems(ErrorCodes.NoOpenSession, ErrorCodes.WorkSessionsDisabled, Problems.RateLimited);
        me.MapPost("/work-session/continue", ContinueAsync)
            .WithName("ContinueMyWorkSession")
            .WithSummary("Answer the inactivity prompt.")
            .ProducesProblems(ErrorCodes.NoOpenSession, ErrorCodes.WorkSessionsDisabled);
        me.MapPut("/status", SetStatusAsync)
            .WithName("SetMyStatus")
            .WithSummary("Set ready, not ready with a reason, or offline while work sessions are off.")
            .ProducesProblems(ErrorCodes.NoOpenSession, ErrorCodes.InvalidStatus);
        me.MapGet("/status-reasons", GetStatusReasonsAsync)
            .WithName("GetMyStatusReasons")
            .WithSummary("The not-ready reasons the agent's tenant offers, in the admin's order; any other reason may still be given.");
        me.MapDelete("/work-session", EndAsync)
            .WithName("EndMyWorkSession")
            .WithSummary("End the work session; returns the final session record.")
            .ProducesProblems(ErrorCodes.NoOpenSession, ErrorCodes.WorkSessionsDisabled);
        me.MapGet("/events", AgentEventStream.StreamAsync)
            .WithName("StreamMyEvents")
            .WithSummary("Server-sent events: snapshot (first, and again after a gap), session-started, inactivity-warning, warning-cleared, session-ended, status-changed, client-gone, client-back, and stream-closed (superseded, token-expired or shutdown) when the server ends the stream.")
            .Produces<string>(StatusCodes.Status200OK, contentType: TenantEventFeed.ContentType);
        return routes;
    }

    private static Ok<CallerIdentity> GetIdentity(ClaimsPrincipal user)
    {
        var caller = Caller.From(user);
        string[] roles = [.. new[] { WorkSessionsClaims.AgentRole, WorkSessionsClaims.SupervisorRole, WorkSessionsClaims.AdminRole }.Where(user.IsInRole)];
        return TypedResults.Ok(new CallerIdentity(caller.UserId, caller.TenantId, roles));
    }

    private static async Task<Ok<AgentView>> GetAsync(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Me(user, grains).GetSnapshot());

    private static async Task<Results<Created<AgentView>, Ok<AgentView>>> StartAsync(StartSessionRequest? request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var reason = InputRules.ReasonCode(request?.Reason);
        var result = await Me(user, grains).StartSession(request?.Status ?? AgentStatus.Ready, reason);
        return result.Created
            ? TypedResults.Created("/api/v1/me/work-session", result.View)
            : TypedResults.Ok(result.View);
    }

    private static async Task<NoContent> RecordActivityAsync(ClaimsPrincipal user, IGrainFactory grains)
    {
        await Me(user, grains).RecordActivity();
        return TypedResults.NoContent();
    }

    private static async Task<Ok<AgentView>> ContinueAsync(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await Me(user, grains).Continue());

    private static async Task<Ok<AgentView>> SetStatusAsync(SetStatusRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var status = request.Status ?? throw WorkSessionException.InvalidStatus("'status' is required.");
        return TypedResults.Ok(await Me(user, grains).SetStatus(status, InputRules.ReasonCode(request.Reason)));
    }

    private static async Task<Ok<StatusReasonsResponse>> GetStatusReasonsAsync(ClaimsPrincipal user, IGrainFactory grains)
    {
        // The tenant grain answers reads from memory and interleaved; a page asks when a session starts or its event
        // stream reconnects, never per heartbeat.
        var current = await grains.GetTenantGrain(Caller.From(user).TenantId).GetPreferences();
        return TypedResults.Ok(new StatusReasonsResponse(current.Preferences.NotReadyReasons));
    }

    private static async Task<Ok<SessionRecord>> EndAsync(ClaimsPrincipal user, IGrainFactory grains)
    {
        var caller = Caller.From(user);
        return TypedResults.Ok(await Me(user, grains).EndSession(Actor.Agent(caller.UserId), null));
    }

    internal static IAgentGrain Me(ClaimsPrincipal user, IGrainFactory grains)
    {
        var caller = Caller.From(user);
        return grains.GetAgentGrain(caller.TenantId, caller.UserId);
    }
}

/// <summary>
/// Body of <c>POST /me/work-session</c>; both fields optional (ready by default). Properties rather than constructor
/// parameters: the document then gives <c>status</c> the shared, nullable <c>AgentStatus</c>, so a generated client
/// leaves it out instead of sending its enum's first value.
/// </summary>
public sealed record StartSessionRequest
{
    /// <summary>The status to start in; ready when left out.</summary>
    public AgentStatus? Status { get; init; }

    /// <summary>The not-ready reason, with <c>notReady</c>.</summary>
    public string? Reason { get; init; }
}

/// <summary>Body of <c>PUT /me/status</c>.</summary>
public sealed record SetStatusRequest(AgentStatus? Status, string? Reason = null);

/// <summary>Answer of <c>GET /me/status-reasons</c>: what the agent's status menu offers.</summary>
/// <param name="NotReadyReasons">The tenant's not-ready reasons, in the admin's order.</param>
public sealed record StatusReasonsResponse(IReadOnlyList<string> NotReadyReasons);

/// <summary>The caller as the Gateway reads its token (<c>GET /me/identity</c>).</summary>
/// <param name="UserId">The user id (the mapped subject claim).</param>
/// <param name="TenantId">The tenant (the mapped tenant claim, or <c>Auth:Tenant</c>).</param>
/// <param name="Roles">Our roles the token maps to, in the order agent, supervisor, admin; never empty.</param>
public sealed record CallerIdentity(string UserId, string TenantId, IReadOnlyList<string> Roles);
