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

    /// <summary>The ids of agents the tenant believes have an open session, in id order.</summary>
    /// <returns>Agent ids; confirm each with <see cref="IAgentGrain.GetSnapshot"/>, the agent grain is the authority.</returns>
    [ReadOnly, Alias("GetRoster")]
    Task<IReadOnlyList<string>> GetRoster();

}
