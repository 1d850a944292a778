using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Auth;

using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Apis;

/// <summary>The tenant's work-session preferences, for admins, with ETag / If-Match concurrency.</summary>
public static class PreferencesApi
{
    public static IEndpointRouteBuilder MapPreferencesApi(this IEndpointRouteBuilder routes)
    {
        var preferences = routes.MapGroup("/preferences/work-sessions").RequireAuthorization(Policies.Admin).WithTags("Admin");

        preferences.MapGet("", GetAsync)
            .WithName("GetWorkSessionPreferences")
            .WithSummary("The tenant's preferences; the ETag header carries their version.")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                DeclareETag(operation);
                return Task.CompletedTask;
            });
        preferences.MapPut("", PutAsync)
            .WithName("PutWorkSessionPreferences")
            .WithSummary("Replace the preferences (the not-ready reasons stay as they are when left out); If-Match with the ETag guards against lost updates.")
            .ProducesProblems(ErrorCodes.InvalidPreferences, ErrorCodes.VersionMismatch)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                DeclareETag(operation);
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = HeaderNames.IfMatch,
                    In = ParameterLocation.Header,
                    Required = false,
                    Description = "The ETag of the preferences read: the update applies only to that version (412 version_mismatch otherwise). Left out, the update applies to any version.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
                return Task.CompletedTask;
            });
        return routes;
    }

    /// <summary>The 200's <c>ETag</c>: the version of the preferences, to send back as <c>If-Match</c>.</summary>
    internal static void DeclareETag(OpenApiOperation operation)
    {
        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
        {
            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[HeaderNames.ETag] = new OpenApiHeader
            {
                Description = "The preferences' version as a strong entity tag, such as \"3\"; send it as If-Match to update.",
                Required = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            };
        }
    }

    private static async Task<Ok<PreferencesResponse>> GetAsync(ClaimsPrincipal user, IGrainFactory grains, HttpResponse response)
    {
        var current = await grains.GetTenantGrain(Caller.From(user).TenantId).GetPreferences();
        return WithETag(response, current);
    }

    private static async Task<Ok<PreferencesResponse>> PutAsync(
        PreferencesRequest request, ClaimsPrincipal user, IGrainFactory grains, HttpRequest httpRequest, HttpResponse response)
    {
        var caller = Caller.From(user);
        var expectedVersion = ParseIfMatch(httpRequest.Headers.IfMatch.ToString());
        var tenant = grains.GetTenantGrain(caller.TenantId);
        var preferences = request.ToPreferences();
        if (request.NotReadyReasons is null || request.SupervisorScope is null || request.NotReadyLimits is null || request.ClientGoneAction is null)
        {
            // A client from before the reasons (or the scope) existed sends the settings it knows only: it must not
            // reset the tenant's reasons to the defaults, nor widen a scoped tenant back to tenant-wide. A change of
            // these between this read and the update is lost, as any change is to a PUT without If-Match; with
            // If-Match the update applies only to the version read here.
            var stored = (await tenant.GetPreferences()).Preferences;
            preferences = preferences with
            {
                NotReadyReasons = request.NotReadyReasons is null ? stored.NotReadyReasons : preferences.NotReadyReasons,
                SupervisorScope = request.SupervisorScope is null ? stored.SupervisorScope : preferences.SupervisorScope,
                NotReadyLimits = request.NotReadyLimits is null ? stored.NotReadyLimits : preferences.NotReadyLimits,
                // Both left out: a client from before the rule. clientGoneSeconds alone is null for "off" too, so it
                // counts as sent only beside clientGoneAction.
                ClientGoneSeconds = request.ClientGoneAction is null ? stored.ClientGoneSeconds : preferences.ClientGoneSeconds,
                ClientGoneAction = request.ClientGoneAction is null ? stored.ClientGoneAction : preferences.ClientGoneAction,
            };
        }

        var updated = await tenant.UpdatePreferences(preferences, expectedVersion, caller.UserId);
        return WithETag(response, updated);
    }

    private static Ok<PreferencesResponse> WithETag(HttpResponse response, TenantPreferences preferences)
    {
        response.Headers.ETag = ETagOf(preferences.Version);
        return TypedResults.Ok(PreferencesResponse.From(preferences));
    }

    public static string ETagOf(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>The version an <c>If-Match</c> names; null when there is none (or <c>*</c>); <c>version_mismatch</c> for a tag this API never issued.</summary>
    public static long? ParseIfMatch(string ifMatch)
    {
        if (string.IsNullOrWhiteSpace(ifMatch) || ifMatch.Trim() == "*")
        {
            return null;
        }

        // If-Match compares strongly (RFC 9110 §13.1.1): a weak tag never matches.
        if (EntityTagHeaderValue.TryParse(ifMatch.Trim(), out var tag) && !tag.IsWeak
            && long.TryParse(tag.Tag.AsSpan().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return version;
        }

        throw new WorkSessionException(ErrorCodes.VersionMismatch, $"If-Match '{ifMatch}' is not an ETag this API issued.");
    }
}

/// <summary>
/// Body of <c>PUT /preferences/work-sessions</c>: the four settings are required; <c>notReadyReasons</c> and
/// <c>supervisorScope</c> may be left out (the tenant keeps its own).
/// </summary>
/// <param name="WorkSessionsEnabled">Whether agents work in sessions at all.</param>
/// <param name="AutoEndEnabled">Whether inactive agents are prompted and then switched to offline.</param>
/// <param name="InactivityTimeoutSeconds">Seconds without activity before the prompt.</param>
/// <param name="GracePeriodSeconds">Seconds the agent has to answer the prompt.</param>
/// <param name="NotReadyReasons">The not-ready reasons the status menu offers; left out, the tenant keeps its own.</param>
/// <param name="SupervisorScope"><c>tenant</c> (every supervisor sees the whole tenant) or <c>teams</c> (a supervisor sees the agents of the teams that list them).</param>
/// <param name="NotReadyLimits">Time limits on not-ready reasons (docs/architecture.md#limits); left out, the tenant keeps its own.</param>
/// <param name="ClientGoneSeconds">
/// Seconds (15 to 3600) an agent with an open session may have no event stream open before <c>clientGoneAction</c>;
/// null turns the rule off. Taken only beside <c>clientGoneAction</c>: with both left out the tenant keeps its own.
/// </param>
/// <param name="ClientGoneAction"><c>notReady</c> (status not ready, reason <c>Disconnected</c>) or <c>endSession</c> (the session ends <c>clientGone</c>).</param>
public sealed record PreferencesRequest(
    bool? WorkSessionsEnabled,
    bool? AutoEndEnabled,
    int? InactivityTimeoutSeconds,
    int? GracePeriodSeconds,
    IReadOnlyList<string>? NotReadyReasons = null,
    string? SupervisorScope = null,
    IReadOnlyList<NotReadyLimit>? NotReadyLimits = null,
    int? ClientGoneSeconds = null,
    string? ClientGoneAction = null)
{
    /// <summary>The wire names of <see cref="Contracts.ClientGoneAction"/>.</summary>
    public static IReadOnlyDictionary<string, ClientGoneAction> ClientGoneActions { get; } =
        new Dictionary<string, ClientGoneAction>(StringComparer.Ordinal) { ["notReady"] = Contracts.ClientGoneAction.NotReady, ["endSession"] = Contracts.ClientGoneAction.EndSession };

    /// <summary>The wire names of <see cref="Contracts.SupervisorScope"/>.</summary>
    public static IReadOnlyDictionary<string, SupervisorScope> SupervisorScopes { get; } =
        new Dictionary<string, SupervisorScope>(StringComparer.Ordinal) { ["tenant"] = Contracts.SupervisorScope.Tenant, ["teams"] = Contracts.SupervisorScope.Teams };

    public WorkSessionPreferences ToPreferences()
    {
        var missing = new[]
        {
            (WorkSessionsEnabled is null, "workSessionsEnabled"),
            (AutoEndEnabled is null, "autoEndEnabled"),
            (InactivityTimeoutSeconds is null, "inactivityTimeoutSeconds"),
            (GracePeriodSeconds is null, "gracePeriodSeconds"),
        }.Where(field => field.Item1).Select(field => field.Item2).ToList();
        if (missing.Count > 0)
        {
            throw new WorkSessionException(ErrorCodes.InvalidPreferences, $"Missing: {string.Join(", ", missing)}. All four settings are required.");
        }

        // A string rather than the enum: an unknown scope is invalid_preferences like any other value out of range,
        // not a malformed body.
        var scope = Contracts.SupervisorScope.Tenant;
        if (SupervisorScope is not null && !SupervisorScopes.TryGetValue(SupervisorScope, out scope))
        {
            throw new WorkSessionException(ErrorCodes.InvalidPreferences, "supervisorScope must be tenant or teams.");
        }

        var action = Contracts.ClientGoneAction.NotReady;
        if (ClientGoneAction is not null && !ClientGoneActions.TryGetValue(ClientGoneAction, out action))
        {
            throw new WorkSessionException(ErrorCodes.InvalidPreferences, "clientGoneAction must be notReady or endSession.");
        }

        // Left out, the reasons are the defaults here; the PUT fills in the tenant's own. The tenant grain judges them.
        return new WorkSessionPreferences(WorkSessionsEnabled!.Value, AutoEndEnabled!.Value, InactivityTimeoutSeconds!.Value, GracePeriodSeconds!.Value)
        {
            NotReadyReasons = NotReadyReasons is null ? default : [.. NotReadyReasons],
            SupervisorScope = scope,
            NotReadyLimits = NotReadyLimits is null ? [] : [.. NotReadyLimits],
            ClientGoneSeconds = ClientGoneSeconds,
            ClientGoneAction = action,
        };
    }
}

/// <summary>The preferences as admins see them.</summary>
public sealed record PreferencesResponse(
    bool WorkSessionsEnabled,
    bool AutoEndEnabled,
    int InactivityTimeoutSeconds,
    int GracePeriodSeconds,
    IReadOnlyList<string> NotReadyReasons,
    long Version,
    DateTimeOffset? UpdatedAt,
    string? UpdatedBy,
    SupervisorScope SupervisorScope = SupervisorScope.Tenant,
    IReadOnlyList<NotReadyLimit>? NotReadyLimits = null,
    int? ClientGoneSeconds = null,
    ClientGoneAction ClientGoneAction = ClientGoneAction.NotReady)
{
    public static PreferencesResponse From(TenantPreferences stored) => new(
        stored.Preferences.WorkSessionsEnabled,
        stored.Preferences.AutoEndEnabled,
        stored.Preferences.InactivityTimeoutSeconds,
        stored.Preferences.GracePeriodSeconds,
        stored.Preferences.NotReadyReasons,
        stored.Version,
        stored.UpdatedAt,
        stored.UpdatedBy,
        stored.Preferences.SupervisorScope,
        stored.Preferences.NotReadyLimits,
        stored.Preferences.ClientGoneSeconds,
        stored.Preferences.ClientGoneAction);

    /// <summary>Equal when every value is, the reasons compared in order (a list compares by reference).</summary>
    public bool Equals(PreferencesResponse? other) =>
        other is not null
        && (WorkSessionsEnabled, AutoEndEnabled, InactivityTimeoutSeconds, GracePeriodSeconds, Version, UpdatedAt, UpdatedBy, SupervisorScope, ClientGoneSeconds, ClientGoneAction)
            == (other.WorkSessionsEnabled, other.AutoEndEnabled, other.InactivityTimeoutSeconds, other.GracePeriodSeconds, other.Version, other.UpdatedAt, other.UpdatedBy, other.SupervisorScope, other.ClientGoneSeconds, other.ClientGoneAction)
        && NotReadyReasons.SequenceEqual(other.NotReadyReasons, StringComparer.Ordinal)
        && (NotReadyLimits ?? []).SequenceEqual(other.NotReadyLimits ?? []);

    public override int GetHashCode() =>
        HashCode.Combine(WorkSessionsEnabled, AutoEndEnabled, InactivityTimeoutSeconds, GracePeriodSeconds, NotReadyReasons.Count, Version, UpdatedAt, UpdatedBy);
}
