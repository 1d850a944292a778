using Microsoft.AspNetCore.Http.HttpResults;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Auth;
using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Apis;

/// <summary>
/// <c>POST /dev/tokens</c>: the console's sign-in in Development. Mapped only in the Development environment with a
/// signing key configured (the same key the <c>token</c> command uses), so anywhere else the route does not exist (404).
/// </summary>
public static class DevTokensApi
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private static readonly string[] KnownRoles = ["agent", "supervisor", "admin"];

    /// <summary>Whether this Gateway mints development tokens: Development, a signing key, and no OIDC authority.</summary>
    public static bool IsAvailable(IHostEnvironment environment, AuthOptions options) =>
        environment.IsDevelopment() && !string.IsNullOrEmpty(options.SigningKey) && string.IsNullOrEmpty(options.Authority);

    public static IEndpointRouteBuilder MapDevTokensApi(this IEndpointRouteBuilder routes, IHostEnvironment environment, AuthOptions options)
    {
        if (!IsAvailable(environment, options))
        {
            return routes;
        }

        routes.MapPost("/dev/tokens", Issue)
            .AllowAnonymous()
            .WithTags("Development")
            .WithName("IssueDevelopmentToken")
            .WithSummary("Development only: a token for any tenant, user and roles, signed with the development key (the console's sign-in).")
            .ProducesProblems(ErrorCodes.InvalidId, ErrorCodes.InvalidArgument);
        return routes;
    }

    private static Ok<DevTokenResponse> Issue(DevTokenRequest request, TokenIssuer issuer, TimeProvider time)
    {
        if (!AgentKey.IsValidTenantId(request.Tenant))
        {
            throw new WorkSessionException(ErrorCodes.InvalidId, "'tenant' must match ^[a-z0-9][a-z0-9-]{0,62}$.");
        }

        if (!AgentKey.IsValidAgentId(request.User))
        {
            throw new WorkSessionException(ErrorCodes.InvalidId, "'user' must match ^[A-Za-z0-9._@-]{1,128}$.");
        }

        var roles = request.Roles ?? [];
        if (roles.Length == 0 || roles.Any(role => !KnownRoles.Contains(role, StringComparer.Ordinal)))
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, "'roles' holds one or more of agent, supervisor, admin.");
        }

        var expiresAt = time.GetUtcNow() + Lifetime;
        var token = issuer.Issue(request.Tenant, request.User, roles.Distinct(StringComparer.Ordinal), Lifetime);
        return TypedResults.Ok(new DevTokenResponse(token, expiresAt));
    }
}

/// <summary>Body of <c>POST /dev/tokens</c>.</summary>
public sealed record DevTokenRequest(string? Tenant, string? User, string[]? Roles);

/// <summary>A development token and when it expires.</summary>
public sealed record DevTokenResponse(string Token, DateTimeOffset ExpiresAt);
