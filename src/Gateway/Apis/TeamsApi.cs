using System.Collections.Immutable;
using System.ComponentModel;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Auth;
using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Apis;

/// <summary>
/// Teams (docs/http-api.md#teams): the tenant's teams and their members, for admins to change and for supervisors (in
/// scope) to read, and the preferences that apply to an agent, its team's overrides over the tenant's, with the source of
/// each field. The tenant comes from the token: another tenant's team ids name teams of the caller's tenant that do not
/// exist (404 <c>team_not_found</c>).
/// </summary>
public static class TeamsApi
{
    /// <summary>The most agent ids one change of members names, added and removed together.</summary>
    public const int MaximumMembersPerChange = 1000;

    private const int DefaultPageSize = 100;

    public static IEndpointRouteBuilder MapTeamsApi(this IEndpointRouteBuilder routes)
    {
        var read = routes.MapGroup("/teams").RequireAuthorization(Policies.Supervisor).WithTags("Teams");
        read.MapGet("", ListAsync)
            .WithName("ListTeams")
            .WithSummary("The tenant's teams in team-id order, paged by cursor, with their agent counts; a supervisor under supervisorScope=teams sees the teams that list them.")
            .ProducesProblems(ErrorCodes.InvalidCursor, ErrorCodes.InvalidArgument);
        read.MapGet("/{teamId}", GetAsync)
            .WithName("GetTeam")
            .WithSummary("One team; the ETag header carries its version.")
            .ProducesProblems(ErrorCodes.InvalidId, ErrorCodes.TeamNotFound)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                DeclareETag(operation, "200");
                return Task.CompletedTask;
            });
        read.MapGet("/{teamId}/members", GetMembersAsync)
            .WithName("ListTeamMembers")
            .WithSummary("A team's agents in agent-id order, paged by cursor.")
            .ProducesProblems(ErrorCodes.InvalidId, ErrorCodes.TeamNotFound, ErrorCodes.InvalidCursor, ErrorCodes.InvalidArgument);

        var change = routes.MapGroup("/teams").RequireAuthorization(Policies.Admin).WithTags("Teams");
        change.MapPut("/{teamId}", PutAsync)
            .WithName("PutTeam")
            .WithSummary("Create a team (201) or replace its definition (200); If-Match with the ETag guards against lost updates, If-Match \"0\" creates only.")
            .ProducesProblems(ErrorCodes.InvalidId, ErrorCodes.InvalidArgument, ErrorCodes.InvalidTimeZone, ErrorCodes.InvalidPreferences, ErrorCodes.VersionMismatch)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                DeclareETag(operation, "200");
                DeclareETag(operation, "201");
                DeclareIfMatch(operation);
                return Task.CompletedTask;
            });
        change.MapDelete("/{teamId}", DeleteAsync)
            .WithName("DeleteTeam")
            .WithSummary("Delete a team; its agents revert to the tenant's preferences.")
            .ProducesProblems(ErrorCodes.InvalidId, ErrorCodes.TeamNotFound, ErrorCodes.VersionMismatch)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                DeclareIfMatch(operation);
                return Task.CompletedTask;
            });
        change.MapPost("/{teamId}/members", ChangeMembersAsync)
            .WithName("ChangeTeamMembers")
            .WithSummary("Add and remove agents, at most 1000 ids a call; an agent added leaves its previous team.")
            .WithMetadata(new MembersBodySizeLimit())
            .ProducesProblems(ErrorCodes.InvalidId, ErrorCodes.TeamNotFound, ErrorCodes.InvalidArgument);

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

    private static async Task<Ok<TeamList>> ListAsync(
        ClaimsPrincipal user,
        IGrainFactory grains,
        SupervisorVisibility visibility,
        [Description("The nextCursor of the previous page.")] string? cursor,
        [Description("Teams per page, 1-1000 (default 100).")] int? limit)
    {
        var caller = Caller.From(user);
        if (cursor is not null && !AgentKey.IsValidTenantId(cursor))
        {
            throw new WorkSessionException(ErrorCodes.InvalidCursor, "That cursor was not handed out by this list; start again without one.");
        }

        var supervisorId = await visibility.IsScopedAsync(caller) ? caller.UserId : null;
        var page = await grains.GetTeamDirectory(caller.TenantId).List(cursor, limit ?? DefaultPageSize, supervisorId);
        return TypedResults.Ok(new TeamList(page.Teams, page.NextAfter));
    }

    private static async Task<Ok<Team>> GetAsync(string teamId, ClaimsPrincipal user, SupervisorVisibility visibility, HttpResponse response)
    {
        var team = await visibility.VisibleTeamAsync(Caller.From(user), teamId);
        response.Headers.ETag = PreferencesApi.ETagOf(team.Version);
        return TypedResults.Ok(team);
    }

    private static async Task<Ok<TeamMembers>> GetMembersAsync(
        string teamId,
        ClaimsPrincipal user,
        IGrainFactory grains,
        SupervisorVisibility visibility,
        [Description("The nextCursor of the previous page.")] string? cursor,
        [Description("Agents per page, 1-1000 (default 100).")] int? limit)
    {
        var caller = Caller.From(user);
        await visibility.VisibleTeamAsync(caller, teamId);
        if (cursor is not null && !AgentKey.IsValidAgentId(cursor))
        {
            throw new WorkSessionException(ErrorCodes.InvalidCursor, "That cursor was not handed out by this list; start again without one.");
        }

        var page = await grains.GetTeamGrain(caller.TenantId, teamId).GetMembers(cursor, limit ?? DefaultPageSize);
        return TypedResults.Ok(new TeamMembers([.. page.AgentIds.Select(agentId => new TeamMember(agentId))], page.NextAfter));
    }

    private static async Task<Results<Created<Team>, Ok<Team>>> PutAsync(
        string teamId, TeamRequest request, ClaimsPrincipal user, IGrainFactory grains, HttpRequest httpRequest, HttpResponse response)
    {
        var caller = Caller.From(user);
        var expectedVersion = PreferencesApi.ParseIfMatch(httpRequest.Headers.IfMatch.ToString());
        var definition = new TeamDefinition(request.Name ?? "", request.TimeZone, request.Supervisors is null ? [] : [.. request.Supervisors.Select(userId => userId!)], request.Preferences);
        var stored = await grains.GetTeamGrain(caller.TenantId, teamId).Put(definition, expectedVersion, caller.UserId);
        response.Headers.ETag = PreferencesApi.ETagOf(stored.Team.Version);
        return stored.Created
            ? TypedResults.Created($"/api/v1/teams/{teamId}", stored.Team)
            : TypedResults.Ok(stored.Team);
    }

    private static async Task<NoContent> DeleteAsync(string teamId, ClaimsPrincipal user, IGrainFactory grains, HttpRequest httpRequest)
    {
        var caller = Caller.From(user);
        var expectedVersion = PreferencesApi.ParseIfMatch(httpRequest.Headers.IfMatch.ToString());
        await grains.GetTeamGrain(caller.TenantId, teamId).Delete(expectedVersion, caller.UserId);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<TeamMembersChange>> ChangeMembersAsync(string teamId, TeamMembersRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var caller = Caller.From(user);
        var add = request.Add ?? [];
        var remove = request.Remove ?? [];
        if (add.Count + remove.Count > MaximumMembersPerChange)
        {
            // Judged here too, so that a list of 100,000 ids never travels to the team's grain.
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"add and remove name at most {MaximumMembersPerChange} agent ids in all, not {add.Count + remove.Count}.");
        }

        var team = grains.GetTeamGrain(caller.TenantId, teamId);
        return TypedResults.Ok(await team.ChangeMembers([.. add.Select(agentId => agentId!)], [.. remove.Select(agentId => agentId!)], caller.UserId));
    }

    /// <summary>The <c>ETag</c> of a response: the team's version, to send back as <c>If-Match</c>.</summary>
    private static void DeclareETag(OpenApiOperation operation, string status)
    {
        if (operation.Responses?.TryGetValue(status, out var ok) == true && ok is OpenApiResponse response)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[HeaderNames.ETag] = new OpenApiHeader
            {
                Description = "The team's version as a strong entity tag, such as \"3\"; send it as If-Match to replace or delete the team.",
                Required = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }
    }

    private static void DeclareIfMatch(OpenApiOperation operation)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = HeaderNames.IfMatch,
            In = ParameterLocation.Header,
            Required = false,
            Description = "The ETag of the team read: the change applies only to that version (412 version_mismatch otherwise); \"0\" on a PUT creates only. Left out, the change applies to any version.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
    }

    private static async Task<Ok<EffectivePreferencesResponse>> GetMineAsync(ClaimsPrincipal user, IGrainFactory grains)
    {
        var caller = Caller.From(user);
        var effective = await grains.GetAgentGrain(caller.TenantId, caller.UserId).GetEffectivePreferences();
        return TypedResults.Ok(EffectivePreferencesResponse.From(effective));
    }

    private static async Task<Ok<EffectivePreferencesResponse>> GetAgentsAsync(string agentId, ClaimsPrincipal user, IGrainFactory grains, SupervisorVisibility visibility)
    {
        var caller = Caller.From(user);
        var agent = grains.GetAgentGrain(caller.TenantId, agentId);
        await visibility.VisibleAgentAsync(caller, agent);
        return TypedResults.Ok(EffectivePreferencesResponse.From(await agent.GetEffectivePreferences()));
    }
}

/// <summary>
/// The body limit of a change of members, above the Gateway's usual 16 KB: 1000 ids of up to 128 characters, quoted
/// and separated, and escapes to spare. Routing applies it to the request before the body is read.
/// </summary>
internal sealed class MembersBodySizeLimit : Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize => 256 * 1024;
}

/// <summary>Body of <c>PUT /teams/{teamId}</c>: the whole definition; the members are changed apart.</summary>
/// <param name="Name">1 to 80 printable characters.</param>
/// <param name="TimeZone">An IANA time zone name; left out, UTC.</param>
/// <param name="Supervisors">The user ids of its supervisors, at most 50; left out, none.</param>
/// <param name="Preferences">The team's overrides of the tenant's preferences; a field left out or null inherits the tenant's.</param>
public sealed record TeamRequest(string? Name, string? TimeZone, IReadOnlyList<string?>? Supervisors, TeamPreferenceOverrides? Preferences);

/// <summary>Body of <c>POST /teams/{teamId}/members</c>.</summary>
/// <param name="Add">Agent ids to add; each leaves its previous team.</param>
/// <param name="Remove">Agent ids to remove; one that is not a member is ignored.</param>
public sealed record TeamMembersRequest(IReadOnlyList<string?>? Add, IReadOnlyList<string?>? Remove);

/// <summary>A page of the tenant's teams.</summary>
/// <param name="Items">The teams, in team-id (ordinal) order.</param>
/// <param name="NextCursor">The cursor of the next page, null on the last.</param>
public sealed record TeamList(IReadOnlyList<TeamSummary> Items, string? NextCursor);

/// <summary>A page of a team's members.</summary>
/// <param name="Items">The agents, in agent-id (ordinal) order.</param>
/// <param name="NextCursor">The cursor of the next page, null on the last.</param>
public sealed record TeamMembers(IReadOnlyList<TeamMember> Items, string? NextCursor);

/// <summary>One member of a team.</summary>
/// <param name="AgentId">The agent's id.</param>
public sealed record TeamMember(string AgentId);

/// <summary>The preferences that apply to one agent.</summary>
/// <param name="WorkSessionsEnabled">Tenant-wide: whether agents work in sessions at all.</param>
/// <param name="AutoEndEnabled">Whether the agent is prompted when inactive and then switched to offline.</param>
/// <param name="InactivityTimeoutSeconds">Seconds without activity before the prompt.</param>
/// <param name="GracePeriodSeconds">Seconds the agent has to answer the prompt.</param>
/// <param name="NotReadyReasons">Tenant-wide: the not-ready reasons the status menu offers.</param>
/// <param name="TeamId">The agent's team; null when it belongs to none.</param>
/// <param name="Source">Where each field a team may override comes from: <c>tenant</c> or <c>team</c>.</param>
/// <param name="NotReadyLimits">Time limits on not-ready reasons: the team's list when it has one, else the tenant's.</param>
/// <param name="ShiftEnd">The team's end of shift, in <paramref name="TimeZone"/>; null when none.</param>
/// <param name="TimeZone">The team's time zone; null in no team.</param>
/// <param name="ClientGoneSeconds">Seconds without an open event stream before <c>clientGoneAction</c>; null: off.</param>
/// <param name="ClientGoneAction"><c>notReady</c> (reason <c>Disconnected</c>) or <c>endSession</c> (ends <c>clientGone</c>).</param>
public sealed record EffectivePreferencesResponse(
    bool WorkSessionsEnabled,
    bool AutoEndEnabled,
    int InactivityTimeoutSeconds,
    int GracePeriodSeconds,
    ImmutableArray<string> NotReadyReasons,
    string? TeamId,
    PreferenceSources Source,
    IReadOnlyList<NotReadyLimit>? NotReadyLimits = null,
    ShiftEnd? ShiftEnd = null,
    string? TimeZone = null,
    int? ClientGoneSeconds = null,
    ClientGoneAction ClientGoneAction = ClientGoneAction.NotReady)
{
    public static EffectivePreferencesResponse From(EffectivePreferences effective)
    {
        ArgumentNullException.ThrowIfNull(effective);
        var p = effective.Preferences;
        return new(
            p.WorkSessionsEnabled, p.AutoEndEnabled, p.InactivityTimeoutSeconds, p.GracePeriodSeconds, p.NotReadyReasons, effective.TeamId, effective.Source,
            p.NotReadyLimits, effective.ShiftEnd, effective.TimeZone, p.ClientGoneSeconds, p.ClientGoneAction);
    }
}
