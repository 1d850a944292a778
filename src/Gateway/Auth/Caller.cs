using System.Security.Claims;

namespace WorkSessions.Gateway.Auth;

/// <summary>
/// Who is calling, as the validated token says once its claims are mapped (<see cref="ClaimMapping"/>): the tenant always
/// comes from here, never from the path.
/// </summary>
public sealed record Caller(string TenantId, string UserId, bool IsAdmin)
{
    public static Caller From(ClaimsPrincipal user) => new(
        user.FindFirstValue(WorkSessionsClaims.Tenant) ?? throw new InvalidOperationException("A validated token always has a tenant."),
        user.FindFirstValue(WorkSessionsClaims.Subject) ?? throw new InvalidOperationException("A validated token always has a subject."),
        user.IsInRole(WorkSessionsClaims.AdminRole));

    /// <summary>The actor recorded when this caller ends someone's session: admin wins over supervisor.</summary>
    public Contracts.Actor AsSupervisorOrAdmin => IsAdmin ? Contracts.Actor.Admin(UserId) : Contracts.Actor.Supervisor(UserId);
}
