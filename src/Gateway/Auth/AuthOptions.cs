namespace WorkSessions.Gateway.Auth;

/// <summary>JWT settings, bound from the <c>Auth</c> section (docs/http-api.md).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>Symmetric HS256 key; at least 32 bytes of UTF-8.</summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// The expected (and, for minted tokens, the written) issuer. Defaults to <c>work-sessions</c> with a signing
    /// key; with <see cref="Authority"/> the authority's metadata names it unless this is set.
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>The expected audience; defaults to <c>work-sessions</c>.</summary>
    public string Audience { get; set; } = DefaultName;

    public const string DefaultName = "work-sessions";

    /// <summary>The key in <c>appsettings.Development.json</c>: public, so only a loopback-only Gateway accepts it.</summary>
    public const string PublishedDevelopmentKey = "development-only-signing-key-change-me-0123456789";

    /// <summary>The issuer tokens are validated against, or null to take it from the authority's metadata.</summary>
    public string? ExpectedIssuer => Issuer ?? (string.IsNullOrEmpty(Authority) ? DefaultName : null);

    /// <summary>An OpenID Connect authority, as an alternative to <see cref="SigningKey"/> in production.</summary>
    public string? Authority { get; set; }

    /// <summary>
    /// How many validated tokens the Gateway remembers until their expiry, so repeated calls with one token skip the
    /// signature check (docs/architecture.md#heartbeat-path); 0 validates every call in full.
    /// </summary>
    public int TokenCacheCapacity { get; set; } = DefaultTokenCacheCapacity;

    public const int DefaultTokenCacheCapacity = 50_000;

    /// <summary>
    /// The one tenant of a single-tenant deployment: every token belongs to it, whatever it says. Instead of
    /// <see cref="AuthClaimNames.Tenant"/>; a valid tenant id.
    /// </summary>
    public string? Tenant { get; set; }

    /// <summary>The names of the claims that carry the user, the tenant and the roles (<c>Auth:Claims:*</c>).</summary>
    public AuthClaimNames Claims { get; set; } = new();

    /// <summary>
    /// The identity provider's values for each of our roles (<c>Auth:Roles:Agent</c>, <c>…:Supervisor</c>, <c>…:Admin</c>),
    /// by our role name; a role left out is its own name. Read by <see cref="Read"/> rather than bound, because each
    /// key may be a JSON array or a comma-separated list (one string, as environment variables give it).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? RoleValues { get; set; }

    /// <summary>The <c>Auth</c> section: the bound options and the role values.</summary>
    /// <param name="configuration">The application's configuration.</param>
    public static AuthOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var options = section.Get<AuthOptions>() ?? new AuthOptions();
        var roles = section.GetSection("Roles");
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var role in new[] { WorkSessionsClaims.AgentRole, WorkSessionsClaims.SupervisorRole, WorkSessionsClaims.AdminRole })
        {
            var key = roles.GetSection(RoleKey(role));
            // An array's key can read as an empty value as well (the web host's chained configuration): items first.
            if (key.GetChildren().ToList() is { Count: > 0 } items)
            {
                values[role] = [.. items.Select(item => item.Value?.Trim() ?? "")];
            }
            else if (key.Value is { } list)
            {
                values[role] = list.Split(',', StringSplitOptions.TrimEntries);
            }
        }

        options.RoleValues = values;
        return options;
    }

    /// <summary>The configuration key of one of our roles under <c>Auth:Roles</c>: <c>Agent</c>, <c>Supervisor</c>, <c>Admin</c>.</summary>
    /// <param name="role">One of our role names.</param>
    public static string RoleKey(string role) => char.ToUpperInvariant(role[0]) + role[1..];
}

/// <summary>
/// The claim names an identity provider uses (<c>Auth:Claims:*</c>). Each may be a dotted path into a JSON object claim,
/// such as Keycloak's <c>realm_access.roles</c>.
/// </summary>
public sealed class AuthClaimNames
{
    public const string DefaultSubject = WorkSessionsClaims.Subject;
    public const string DefaultTenant = WorkSessionsClaims.Tenant;
    public const string DefaultRole = WorkSessionsClaims.Role;

    /// <summary>The user id (an agent's id); <c>sub</c> unless set.</summary>
    public string? Subject { get; set; }

    /// <summary>The tenant id; <c>tenant</c> unless set, unused with a fixed <see cref="AuthOptions.Tenant"/>.</summary>
    public string? Tenant { get; set; }

    /// <summary>The role values: a string claim, an array claim or several claims of the name; <c>role</c> unless set.</summary>
    public string? Role { get; set; }
}

/// <summary>
/// The claim names and roles of the identity endpoints read (what <see cref="ClaimMapping"/> makes of any provider's
/// token) and of the tokens the Gateway mints itself.
/// </summary>
public static class WorkSessionsClaims
{
    public const string Subject = "sub";
    public const string Tenant = "tenant";
    public const string Role = "role";

    public const string AgentRole = "agent";
    public const string SupervisorRole = "supervisor";
    public const string AdminRole = "admin";
}

/// <summary>The authorization policies endpoints require.</summary>
public static class Policies
{
    public const string Agent = "agent";
    public const string Supervisor = "supervisor-or-admin";
    public const string Admin = "admin";

    /// <summary>Any of our roles: what a caller may learn about itself (<c>GET /me/identity</c>).</summary>
    public const string AnyRole = "any-role";
}
