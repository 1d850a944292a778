using System.Security.Claims;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;

namespace WorkSessions.Gateway.Auth;

/// <summary>
/// Reads who is calling from an identity provider's token, under the claim names and role values it uses
/// (<c>Auth:Claims:*</c>, <c>Auth:Tenant</c>, <c>Auth:Roles:*</c>; README "Identity providers"), and turns it into the
/// identity every endpoint reads: exactly one <c>sub</c>, one <c>tenant</c>, our roles as <c>role</c> claims, and the
/// token's <c>exp</c>. Nothing else of the token is kept, so a provider's own <c>role</c> or <c>sub</c> never reaches
/// an authorization decision unmapped.
/// </summary>
/// <remarks>
/// A claim name is looked up as given first; when no claim has that name and it holds dots, the part before a dot
/// names a JSON object claim and the rest the path inside it (Keycloak's <c>realm_access.roles</c>), so names that
/// hold dots themselves (a URL-shaped custom claim) still work. A value found is a string, or an array of strings (one
/// JSON array claim, or several claims of the same name).
/// </remarks>
public sealed class ClaimMapping
{
    private static readonly string[] OurRoles = [WorkSessionsClaims.AdminRole, WorkSessionsClaims.SupervisorRole, WorkSessionsClaims.AgentRole];

    private readonly string _subjectClaim;
    private readonly string? _tenantClaim;
    private readonly string? _fixedTenant;
    private readonly string _roleClaim;
    private readonly (string Role, HashSet<string> Values)[] _roleValues;

    private ClaimMapping(string subjectClaim, string? tenantClaim, string? fixedTenant, string roleClaim, (string Role, HashSet<string> Values)[] roleValues)
    {
        _subjectClaim = subjectClaim;
        _tenantClaim = tenantClaim;
        _fixedTenant = fixedTenant;
        _roleClaim = roleClaim;
        _roleValues = roleValues;
    }

    /// <summary>The mapping the options describe; a configuration that cannot work is refused with the key to fix.</summary>
    /// <param name="options">The <c>Auth</c> section.</param>
    /// <exception cref="InvalidOperationException">A claim name is blank or a malformed path, <c>Auth:Tenant</c> is not a
    /// valid tenant id or is set together with <c>Auth:Claims:Tenant</c>, or a role value is blank.</exception>
    public static ClaimMapping From(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var claims = options.Claims ?? new AuthClaimNames();
        var subject = ClaimName(claims.Subject ?? AuthClaimNames.DefaultSubject, "Auth:Claims:Subject");
        var role = ClaimName(claims.Role ?? AuthClaimNames.DefaultRole, "Auth:Claims:Role");
        string? tenantClaim = null;
        if (options.Tenant is { } tenant)
        {
            if (!AgentKey.IsValidTenantId(tenant))
            {
                throw new InvalidOperationException(
                    $"Auth:Tenant '{tenant}' is not a valid tenant id: 1 to 63 of a-z, 0-9 and '-', starting with a letter or digit (^[a-z0-9][a-z0-9-]{{0,62}}$).");
            }

            if (claims.Tenant is not null)
            {
                throw new InvalidOperationException(
                    "Set Auth:Tenant (one tenant for every token) or Auth:Claims:Tenant (the claim that names each token's tenant), not both.");
            }
        }
        else
        {
            tenantClaim = ClaimName(claims.Tenant ?? AuthClaimNames.DefaultTenant, "Auth:Claims:Tenant");
        }

        var values = options.RoleValues;
        var roleValues = OurRoles.Select(ourRole =>
        {
            var configured = values is not null && values.TryGetValue(ourRole, out var given) ? given : null;
            if (configured is not null && (configured.Count == 0 || configured.Any(string.IsNullOrWhiteSpace)))
            {
                throw new InvalidOperationException(
                    $"Auth:Roles:{AuthOptions.RoleKey(ourRole)} holds a blank value; list the identity provider's values for the {ourRole} role (a JSON array or a comma-separated list), or leave it out for '{ourRole}'.");
            }

            return (ourRole, new HashSet<string>(configured ?? [ourRole], StringComparer.Ordinal));
        }).ToArray();
        return new ClaimMapping(subject, tenantClaim, options.Tenant, role, roleValues);
    }

    /// <summary>The mapping of the defaults: <c>sub</c>, <c>tenant</c>, <c>role</c>, each role's value its own name.</summary>
    public static ClaimMapping Default { get; } = From(new AuthOptions());

    /// <summary>
    /// The identity endpoints read, or why the token cannot be used (a 401): no single subject, or no single tenant
    /// that is a valid tenant id. A token whose role values map to none of ours is mapped, with no role: it is
    /// authenticated, and every endpoint refuses it with <c>403 no_role</c>.
    /// </summary>
    /// <param name="token">The identity of a token that passed validation, with the provider's claim names.</param>
    /// <param name="failure">Why the token cannot be used, when the result is null.</param>
    public ClaimsIdentity? Map(ClaimsIdentity token, out string? failure)
    {
        ArgumentNullException.ThrowIfNull(token);
        var subjects = Values(token, _subjectClaim);
        if (subjects.Count != 1 || string.IsNullOrEmpty(subjects[0]))
        {
            failure = $"The token needs exactly one '{_subjectClaim}' claim (Auth:Claims:Subject), it has {subjects.Count}.";
            return null;
        }

        string tenant;
        if (_fixedTenant is not null)
        {
            tenant = _fixedTenant;
        }
        else
        {
            var tenants = Values(token, _tenantClaim!);
            if (tenants.Count != 1 || !AgentKey.IsValidTenantId(tenants[0]))
            {
                failure = $"The token needs exactly one '{_tenantClaim}' claim (Auth:Claims:Tenant) holding a valid tenant id.";
                return null;
            }

            tenant = tenants[0];
        }

        var identity = new ClaimsIdentity(token.AuthenticationType, WorkSessionsClaims.Subject, WorkSessionsClaims.Role);
        identity.AddClaim(new Claim(WorkSessionsClaims.Subject, subjects[0]));
        identity.AddClaim(new Claim(WorkSessionsClaims.Tenant, tenant));
        var provided = Values(token, _roleClaim);
        foreach (var (role, values) in _roleValues)
        {
            if (provided.Any(values.Contains))
            {
                identity.AddClaim(new Claim(WorkSessionsClaims.Role, role));
            }
        }

        if (token.FindFirst(JwtRegisteredClaimNames.Exp) is { } expiry)
        {
            identity.AddClaim(new Claim(JwtRegisteredClaimNames.Exp, expiry.Value, expiry.ValueType));
        }

        failure = null;
        return identity;
    }

    /// <summary>Whether a mapped identity holds any of our roles: without one, every endpoint answers <c>403 no_role</c>.</summary>
    /// <param name="user">The request's user.</param>
    public static bool HasAnyRole(ClaimsPrincipal user) => OurRoles.Any(user.IsInRole);

    /// <summary>The string values under <paramref name="name"/>: the claim of that name, else a path into a JSON object claim.</summary>
    internal static List<string> Values(ClaimsIdentity token, string name)
    {
        var found = new List<string>();
        if (token.HasClaim(claim => claim.Type == name))
        {
            foreach (var claim in token.FindAll(name))
            {
                AddValue(claim, found);
            }

            return found;
        }

        for (var dot = name.IndexOf('.', StringComparison.Ordinal); dot > 0; dot = name.IndexOf('.', dot + 1))
        {
            var claimType = name[..dot];
            if (!token.HasClaim(claim => claim.Type == claimType))
            {
                continue;
            }

            foreach (var claim in token.FindAll(claimType))
            {
                if (TryParse(claim.Value) is { } json)
                {
                    using (json)
                    {
                        AddAt(json.RootElement, name[(dot + 1)..], found);
                    }
                }
            }

            return found;
        }

        return found;
    }

    private static void AddValue(Claim claim, List<string> found)
    {
        // A JSON array claim arrives as one claim per element; an element that is itself an array or object arrives as JSON.
        if (claim.ValueType is JsonClaimValueTypes.JsonArray or JsonClaimValueTypes.Json)
        {
            if (TryParse(claim.Value) is { } json)
            {
                using (json)
                {
                    AddStrings(json.RootElement, found);
                }
            }

            return;
        }

        found.Add(claim.Value);
    }

    /// <summary>The strings at <paramref name="path"/> inside an object; a key may hold dots itself.</summary>
    private static void AddAt(JsonElement element, string path, List<string> found)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (element.TryGetProperty(path, out var whole))
        {
            AddStrings(whole, found);
            return;
        }

        for (var dot = path.IndexOf('.', StringComparison.Ordinal); dot > 0; dot = path.IndexOf('.', dot + 1))
        {
            if (element.TryGetProperty(path[..dot], out var inner))
            {
                AddAt(inner, path[(dot + 1)..], found);
                return;
            }
        }
    }

    private static void AddStrings(JsonElement element, List<string> found)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                found.Add(element.GetString()!);
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        found.Add(item.GetString()!);
                    }
                }

                break;
        }
    }

    private static JsonDocument? TryParse(string value)
    {
        try
        {
            return JsonDocument.Parse(value, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string ClaimName(string name, string key) =>
        string.IsNullOrWhiteSpace(name) || name.StartsWith('.') || name.EndsWith('.') || name.Contains("..", StringComparison.Ordinal)
            ? throw new InvalidOperationException($"{key} '{name}' is not a claim name or a dotted path into a JSON object claim (such as realm_access.roles).")
            : name;
}
