using Orleans.Concurrency;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>
/// One team of a tenant: its definition, its members and the push of its overrides to them
/// (docs/architecture.md#teams). Key: <c>"{tenantId}/{teamId}"</c> (<see cref="WorkSessionsGrains.GetTeamGrain"/>).
/// </summary>
[Alias("WorkSessions.ITeamGrain")]
public interface ITeamGrain : IGrainWithStringKey
{
    /// <summary>The team with its member count and version.</summary>
    /// <returns>The team; null when it does not exist (never created, or deleted).</returns>
    [AlwaysInterleave, Alias("Get")]
    Task<Team?> Get();

    /// <summary>
    /// Creates the team or replaces its definition, and answers once stored; a change of its overrides is pushed to its
    /// members' open sessions afterwards.
    /// </summary>
    /// <param name="definition">The team as the admin defines it; normalized by <c>TeamRules.Normalize</c>.</param>
    /// <param name="expectedVersion">When set, applies only if the stored version equals it (0: the team must not exist).</param>
    /// <param name="updatedBy">The admin's user id, kept for audit.</param>
    /// <returns>The stored team, and whether it was created.</returns>
    /// <exception cref="WorkSessionException"><c>invalid_id</c>, <c>invalid_argument</c>, <c>invalid_time_zone</c>, <c>invalid_preferences</c>, <c>version_mismatch</c>.</exception>
    [Alias("Put")]
    Task<TeamPutResult> Put(TeamDefinition definition, long? expectedVersion, string updatedBy);

    /// <summary>Deletes the team; its agents revert to the tenant's preferences (pushed after the answer).</summary>
    /// <param name="expectedVersion">When set, applies only if the stored version equals it.</param>
    /// <param name="deletedBy">The admin's user id, kept for audit.</param>
    /// <exception cref="WorkSessionException"><c>team_not_found</c>, <c>version_mismatch</c>.</exception>
    [Alias("Delete")]
    Task Delete(long? expectedVersion, string deletedBy);

    /// <summary>
    /// Adds and removes members, at most <c>TeamRules.MaximumMembersPerChange</c> ids in all; an agent added leaves its
    /// previous team. Each agent learns its new effective preferences before the answer.
    /// </summary>
    /// <param name="add">Agent ids to add.</param>
    /// <param name="remove">Agent ids to remove; an id that is not a member is ignored.</param>
    /// <param name="updatedBy">The admin's user id, kept for audit.</param>
    /// <returns>How many agents were added from no team, moved from another team, and removed.</returns>
    /// <exception cref="WorkSessionException"><c>team_not_found</c>, <c>invalid_id</c>, <c>invalid_argument</c> (too many ids, or one both added and removed).</exception>
    [Alias("ChangeMembers")]
    Task<TeamMembersChange> ChangeMembers(IReadOnlyList<string> add, IReadOnlyList<string> remove, string updatedBy);

    /// <summary>A page of the members in agent-id (ordinal) order; costs the page, not the team.</summary>
    /// <param name="afterAgentId">The previous page's <see cref="TeamMembersPage.NextAfter"/>; null for the first.</param>
    /// <param name="limit">1 to 1000 ids.</param>
    /// <exception cref="WorkSessionException"><c>team_not_found</c>, <c>invalid_argument</c>.</exception>
    [AlwaysInterleave, Alias("GetMembers")]
    Task<TeamMembersPage> GetMembers(string? afterAgentId, int limit);
}
