using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WorkSessions.Gateway.Auth;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// Tokens shaped as Keycloak, Microsoft Entra ID and Okta issue them, with the Gateway settings of the README's recipes
/// ("Identity providers"). They are signed with the tests' key; only the claims are the providers'.
/// </summary>
/// <param name="Name">The provider.</param>
/// <param name="Settings">The <c>Auth:*</c> settings of its recipe.</param>
/// <param name="FixedTenant">The <c>Auth:Tenant</c> of a single-tenant recipe, or null when the tenant is a claim.</param>
/// <param name="Payload">The claims of a token for a tenant, a user and the provider's role values.</param>
/// <param name="RoleValues">The provider's value for each of our roles, as the settings map them.</param>
public sealed record IdentityProvider(
    string Name,
    Dictionary<string, string?> Settings,
    string? FixedTenant,
    Func<string, string, string[], Dictionary<string, object>> Payload,
    Dictionary<string, string> RoleValues)
{
    /// <summary>Realm roles in <c>realm_access.roles</c>, the user in <c>preferred_username</c> (<c>sub</c> is a UUID), the tenant from a mapper's <c>tenant</c> claim; role values as a JSON array.</summary>
    public static IdentityProvider Keycloak { get; } = new(
        "keycloak",
        new()
        {
            ["Auth:Claims:Subject"] = "preferred_username",
            ["Auth:Claims:Role"] = "realm_access.roles",
            ["Auth:Roles:Agent:0"] = "ws-agent",
            ["Auth:Roles:Supervisor:0"] = "ws-supervisor",
            ["Auth:Roles:Supervisor:1"] = "ws-team-lead",
            ["Auth:Roles:Admin:0"] = "ws-admin",
        },
        null,
        (tenant, user, values) => new()
        {
            ["sub"] = Guid.NewGuid().ToString(),
            ["preferred_username"] = user,
            ["tenant"] = tenant,
            ["realm_access"] = new Dictionary<string, object> { ["roles"] = values.Prepend("offline_access").Prepend("uma_authorization").ToArray() },
            ["resource_access"] = new Dictionary<string, object> { ["account"] = new Dictionary<string, object> { ["roles"] = new[] { "manage-account" } } },
            ["typ"] = "Bearer",
            ["azp"] = "work-sessions-console",
        },
        new() { ["agent"] = "ws-agent", ["supervisor"] = "ws-team-lead", ["admin"] = "ws-admin" });

    /// <summary>App roles in <c>roles</c>, the user in <c>oid</c>, the directory in <c>tid</c>; role values as comma lists (as environment variables give them).</summary>
    public static IdentityProvider Entra { get; } = new(
        "entra",
        new()
        {
            ["Auth:Claims:Subject"] = "oid",
            ["Auth:Claims:Tenant"] = "tid",
            ["Auth:Claims:Role"] = "roles",
            ["Auth:Roles:Agent"] = "WorkSessions.Agent",
            ["Auth:Roles:Supervisor"] = "WorkSessions.Supervisor, WorkSessions.Lead",
            ["Auth:Roles:Admin"] = "WorkSessions.Admin",
        },
        null,
        (tenant, user, values) => new()
        {
            ["sub"] = "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
            ["oid"] = user,
            ["tid"] = tenant,
            ["roles"] = values,
            ["ver"] = "2.0",
            ["preferred_username"] = user + "@contoso.example",
        },
        new() { ["agent"] = "WorkSessions.Agent", ["supervisor"] = "WorkSessions.Lead", ["admin"] = "WorkSessions.Admin" });

    /// <summary>Group names in <c>groups</c>, the user's login in <c>sub</c>, one tenant for the deployment (<c>Auth:Tenant</c>).</summary>
    public static IdentityProvider Okta { get; } = new(
        "okta",
        new()
        {
            ["Auth:Tenant"] = "okta-single",
            ["Auth:Claims:Role"] = "groups",
            ["Auth:Roles:Agent"] = "Work Sessions Agents",
            ["Auth:Roles:Supervisor"] = "Work Sessions Supervisors",
            ["Auth:Roles:Admin"] = "Work Sessions Admins",
        },
        "okta-single",
        (_, user, values) => new()
        {
            ["sub"] = user,
            ["uid"] = "00u1abcd2EFGH3ijk4x7",
            ["groups"] = values.Prepend("Everyone").ToArray(),
            ["scp"] = new[] { "openid", "profile" },
            // A claim named like ours that the recipe does not read: the fixed tenant wins.
            ["tenant"] = "someone-elses",
        },
        new() { ["agent"] = "Work Sessions Agents", ["supervisor"] = "Work Sessions Supervisors", ["admin"] = "Work Sessions Admins" });

    public static TheoryData<string> All() => ["keycloak", "entra", "okta"];

    public static IdentityProvider Named(string name) => name switch
    {
        "keycloak" => Keycloak,
        "entra" => Entra,
        "okta" => Okta,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    /// <summary>A Gateway of the test's own with this provider's recipe.</summary>
    public TestGateway Gateway(Action<IDictionary<string, string?>>? configure = null) => new(configure: settings =>
    {
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        configure?.Invoke(settings);
    });

    /// <summary>The mapping the Gateway builds from this recipe.</summary>
    public ClaimMapping Mapping() => ClaimMapping.From(AuthOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(Settings).Build()));

    /// <summary>A token carrying the provider's values for <paramref name="roles"/> (our role names).</summary>
    public string Token(string tenant, string user, params string[] roles) =>
        Mint(Payload(tenant, user, [.. roles.Select(role => RoleValues[role])]));

    /// <summary>A token carrying exactly <paramref name="values"/> where the provider puts role values.</summary>
    public string TokenWithValues(string tenant, string user, params string[] values) => Mint(Payload(tenant, user, values));

    /// <summary>A token with exactly these claims, signed as the tests' Gateways expect, valid for an hour.</summary>
    public static string Mint(Dictionary<string, object> claims, TimeSpan? lifetime = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Issuer = GatewayFixture.Issuer,
            Audience = GatewayFixture.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromHours(1)),
            SigningCredentials = new SigningCredentials(TokenIssuer.SigningKey(GatewayFixture.SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }
}
