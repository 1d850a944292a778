using System.Collections.Immutable;
using Orleans.Concurrency;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>
/// The teams of one tenant, as their team grains announce them (docs/architecture.md#teams): pages of teams by id and
/// the teams that list a supervisor, both from indexes, never a scan of the team grains. Key: the tenant grain key
/// (<see cref="WorkSessionsGrains.GetTeamDirectory"/>). A team's own grain stays the authority on the team.
/// </summary>
[Alias("WorkSessions.ITeamDirectoryGrain")]
public interface ITeamDirectoryGrain : IGrainWithStringKey
{
    /// <summary>A page of the tenant's teams in team-id (ordinal) order.</summary>
    /// <param name="afterTeamId">The previous page's <see cref="TeamDirectoryPage.NextAfter"/>; null for the first.</param>
    /// <param name="limit">1 to 1000 teams.</param>
    /// <param name="supervisorId">When set, only the teams that list this supervisor.</param>
    /// <exception cref="WorkSessionException"><c>invalid_argument</c> for a limit out of range.</exception>
    [AlwaysInterleave, Alias("List")]
    Task<TeamDirectoryPage> List(string? afterTeamId, int limit, string? supervisorId);

    /// <summary>The ids of the teams that list <paramref name="supervisorId"/> among their supervisors, in ordinal order.</summary>
    /// <param name="supervisorId">A user id.</param>
    [AlwaysInterleave, Alias("TeamsOf")]
    Task<ImmutableArray<string>> TeamsOf(string supervisorId);
}

/// <summary>One team as the directory lists it.</summary>
/// <param name="TeamId">The team's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Supervisors">The user ids of its supervisors.</param>
/// <param name="AgentCount">How many agents belong to it.</param>
/// <param name="Version">The team's version (its ETag).</param>
/// <param name="UpdatedAt">When the team or its members last changed.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.TeamSummary")]
public sealed record TeamSummary(
    [property: Id(0)] string TeamId,
    [property: Id(1)] string Name,
    [property: Id(2)] ImmutableArray<string> Supervisors,
    [property: Id(3)] int AgentCount,
    [property: Id(4)] long Version,
    [property: Id(5)] DateTimeOffset UpdatedAt)
{
    /// <summary>The summary of a stored team.</summary>
    /// <param name="team">The team.</param>
    public static TeamSummary Of(Team team)
    {
        ArgumentNullException.ThrowIfNull(team);
        return new(team.TeamId, team.Name, team.Supervisors, team.AgentCount, team.Version, team.UpdatedAt);
    }
}

/// <summary>A page of the directory.</summary>
/// <param name="Teams">The page, in team-id (ordinal) order.</param>
/// <param name="NextAfter">The cursor of the next page (the last id returned); null on the last page.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.TeamDirectoryPage")]
public sealed record TeamDirectoryPage(
    [property: Id(0)] IReadOnlyList<TeamSummary> Teams,
    [property: Id(1)] string? NextAfter);
