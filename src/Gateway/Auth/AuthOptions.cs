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
}

/// <summary>The claim names and roles of the Gateway's tokens.</summary>
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
}
