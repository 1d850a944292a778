using Orleans.Concurrency;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>
/// A tenant's work-session preferences and its roster of agents with open sessions. Key: the tenant id.
/// Never on the heartbeat path: agents read preferences when they need them and get changes pushed.
/// </summary>
[Alias("WorkSessions.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>The current preferences with their version.</summary>
    /// <returns>The preferences; defaults with version 0 when never set.</returns>
    [AlwaysInterleave, Alias("GetPreferences")]
    Task<TenantPreferences> GetPreferences();

    /// <summary>
    /// Replaces the preferences and answers once they are stored; they are pushed to every agent with an open
    /// session afterwards (and again after a crash that cut the push off), however large the tenant.
    /// </summary>
    /// <param name="preferences">
    /// The new values, validated against the silo's configured bounds; the not-ready reasons are stored trimmed.
    /// </param>
    /// <param name="expectedVersion">When set, the update applies only if the stored version equals it.</param>
    /// <param name="updatedBy">The admin's user id, kept for audit.</param>
    /// <returns>The stored preferences with their new version.</returns>
    /// <exception cref="WorkSessionException"><c>invalid_preferences</c>, <c>version_mismatch</c>.</exception>
    [Alias("UpdatePreferences")]
    Task<TenantPreferences> UpdatePreferences(WorkSessionPreferences preferences, long? expectedVersion, string updatedBy);

    /// <summary>
    /// A page of the agents the tenant believes have an open session, in agent-id (ordinal) order, with the roster's
    /// size. Costs the page, not the roster, however large the tenant.
    /// </summary>
    /// <param name="afterAgentId">
    /// The <see cref="RosterPage.NextAfter"/> of the previous page; null for the first. Any string is a position: the
    /// page starts with the first agent id ordinally after it, whether or not that agent is still on the roster.
    /// </param>
    /// <param name="limit">At most this many ids, 1 to <see cref="RosterPage.MaxLimit"/>.</param>
    /// <returns>The page; confirm each agent with <see cref="IAgentGrain.GetSnapshot"/>, the agent grain is the authority.</returns>
    /// <exception cref="WorkSessionException"><c>invalid_argument</c> when <paramref name="limit"/> is out of bounds.</exception>
    /// <remarks>
    /// Interleaves with every other call: it reads the in-memory roster in one synchronous step, so a supervisor's page
    /// does not wait behind a preference change that is being stored.
    /// </remarks>
    [AlwaysInterleave, Alias("GetRosterPage")]
    Task<RosterPage> GetRosterPage(string? afterAgentId, int limit);

    /// <summary>
    /// A page of the open sessions <paramref name="query"/> selects, in agent-id (ordinal) order, paged inside the grain
    /// without copying the roster: a team filter reads the teams' own ordered lists; status, state and search read at
    /// most <see cref="RosterPage.ScanBudget"/> entries past the cursor, so a page with few matches may come back short,
    /// even empty, with a cursor to read on from. Only a null <see cref="RosterPage.NextAfter"/> ends the list. A page
    /// costs what it reads, whatever its position.
    /// </summary>
    /// <param name="query">The filters (<see cref="RosterQuery.Validate"/>); the team set is the caller's scope (null = any).</param>
    /// <param name="afterAgentId">The <see cref="RosterPage.NextAfter"/> of the previous page; null for the first. Any string is a position.</param>
    /// <param name="limit">At most this many ids, 1 to <see cref="RosterPage.MaxLimit"/>.</param>
    /// <returns>
    /// The page, with <see cref="RosterPage.Count"/> the open sessions of the team set (the whole roster when null);
    /// confirm each agent with <see cref="IAgentGrain.GetSnapshot"/>, the agent grain is the authority.
    /// </returns>
    /// <exception cref="WorkSessionException"><c>invalid_argument</c>, <c>invalid_id</c> (see <see cref="RosterQuery.Validate"/>) or a limit out of bounds.</exception>
    [AlwaysInterleave, Alias("GetFilteredRosterPage")]
    Task<RosterPage> GetRosterPage(RosterQuery query, string? afterAgentId, int limit);

    /// <summary>
    /// The counts of the open sessions by state, status and not-ready reason, of the whole tenant or of a set of teams,
    /// kept as the roster changes: O(1) for the tenant, O(teams) for a set.
    /// </summary>
    /// <param name="teamIds">The teams counted; null for the whole tenant (agents in no team too).</param>
    /// <returns>The counts.</returns>
    /// <exception cref="WorkSessionException"><c>invalid_id</c> for a team id off its pattern; <c>invalid_argument</c> for too many.</exception>
    [AlwaysInterleave, Alias("GetRosterSummary")]
    Task<RosterSummary> GetRosterSummary(IReadOnlyList<string>? teamIds);
}
