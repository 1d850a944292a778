namespace WorkSessions.Contracts;

/// <summary>Who did something: a role and, for people, their user id (the token's <c>sub</c>).</summary>
/// <param name="Role">The role the actor acted in.</param>
/// <param name="UserId">The user id; null for <see cref="ActorRole.System"/>.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.Actor")]
public sealed record Actor([property: Id(0)] ActorRole Role, [property: Id(1)] string? UserId)
{
    /// <summary>The platform acting on its own (deadlines, engagements).</summary>
    public static Actor System { get; } = new(ActorRole.System, null);

    /// <summary>An agent acting on their own session.</summary>
    public static Actor Agent(string userId) => new(ActorRole.Agent, userId);

    /// <summary>A supervisor acting on an agent of their tenant.</summary>
    public static Actor Supervisor(string userId) => new(ActorRole.Supervisor, userId);

    /// <summary>An admin acting on an agent or on the tenant's preferences.</summary>
    public static Actor Admin(string userId) => new(ActorRole.Admin, userId);
}
