namespace WorkSessions.Gateway.Auth;

/// <summary>JWT settings, bound from the <c>Auth</c> section (DESIGN §5).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>Symmetric HS256 key; at least 32 bytes of UTF-8.</summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = "work-sessions";

    public string Audience { get; set; } = "work-sessions";

    /// <summary>An OpenID Connect authority, as an alternative to <see cref="SigningKey"/> in production.</summary>
    public string? Authority { get; set; }
}

/// <summary>The claim names and roles of the Gateway's tokens.</summary>
public static class WorkSessionClaims
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
