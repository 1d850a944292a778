using System.Collections.Immutable;

namespace WorkSessions.Contracts;

/// <summary>
/// What a team changes of its tenant's preferences (docs/architecture.md#teams): each field null inherits the tenant's.
/// <c>workSessionsEnabled</c> and the not-ready reasons stay tenant-wide.
/// </summary>
/// <param name="AutoEndEnabled">Whether inactive agents of the team are prompted and then switched to offline.</param>
/// <param name="InactivityTimeoutSeconds">Seconds without activity before the prompt.</param>
/// <param name="GracePeriodSeconds">Seconds the agent has to answer the prompt.</param>
/// <param name="NotReadyLimits">The time limits on not-ready reasons: the whole list replaces the tenant's ([] limits nothing).</param>
/// <param name="ShiftEnd">The end of the team's shift in its time zone; a team-only preference (null: none).</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.TeamPreferenceOverrides")]
public sealed record TeamPreferenceOverrides(
    [property: Id(0)] bool? AutoEndEnabled = null,
    [property: Id(1)] int? InactivityTimeoutSeconds = null,
    [property: Id(2)] int? GracePeriodSeconds = null,
    [property: Id(5)] ImmutableArray<NotReadyLimit>? NotReadyLimits = null,
    [property: Id(6)] ShiftEnd? ShiftEnd = null)
{
    /// <summary>Seconds without an open event stream before <see cref="ClientGoneAction"/> applies; null inherits the tenant's.</summary>
    [Id(3)]
    public int? ClientGoneSeconds { get; init; }

    /// <summary>What happens once the client is gone; null inherits the tenant's.</summary>
    [Id(4)]
    public ClientGoneAction? ClientGoneAction { get; init; }

    /// <summary>Nothing overridden: the team's agents follow the tenant.</summary>
    public static TeamPreferenceOverrides None { get; } = new();

    /// <summary>Equal when every value is, the limits compared by value (an array compares by reference).</summary>
    /// <param name="other">The overrides to compare with.</param>
    public bool Equals(TeamPreferenceOverrides? other) =>
        other is not null
        && AutoEndEnabled == other.AutoEndEnabled
        && InactivityTimeoutSeconds == other.InactivityTimeoutSeconds
        && GracePeriodSeconds == other.GracePeriodSeconds
        && NotReadyLimits.SameAs(other.NotReadyLimits)
        && ShiftEnd == other.ShiftEnd
        && ClientGoneSeconds == other.ClientGoneSeconds
        && ClientGoneAction == other.ClientGoneAction;

    /// <summary>A hash consistent with <see cref="Equals(TeamPreferenceOverrides?)"/>.</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(AutoEndEnabled);
        hash.Add(InactivityTimeoutSeconds);
        hash.Add(GracePeriodSeconds);
        hash.Add(ShiftEnd);
        hash.Add(ClientGoneSeconds);
        hash.Add(ClientGoneAction);
        foreach (var limit in NotReadyLimits ?? [])
        {
            hash.Add(limit);
        }

        return hash.ToHashCode();
    }
}

/// <summary>A team as an admin defines it: everything but its members, its version and its audit fields.</summary>
/// <param name="Name">1 to 80 printable characters.</param>
/// <param name="TimeZone">An IANA time zone name; null is <c>UTC</c>.</param>
/// <param name="Supervisors">The user ids of its supervisors, at most 50.</param>
/// <param name="Preferences">The team's overrides of the tenant's preferences; null overrides nothing.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.TeamDefinition")]
public sealed record TeamDefinition(
    [property: Id(0)] string Name,
    [property: Id(1)] string? TimeZone,
    [property: Id(2)] ImmutableArray<string> Supervisors,
    [property: Id(3)] TeamPreferenceOverrides? Preferences);

/// <summary>A stored team (docs/architecture.md#teams).</summary>
/// <param name="TeamId">Unique within the tenant; the same pattern as tenant ids.</param>
/// <param name="Name">1 to 80 printable characters.</param>
/// <param name="TimeZone">An IANA time zone name.</param>
/// <param name="Supervisors">The user ids of its supervisors.</param>
/// <param name="Preferences">The team's overrides of the tenant's preferences.</param>
/// <param name="AgentCount">How many agents belong to the team.</param>
/// <param name="Version">Incremented by every change of the team or its members; serves as the ETag.</param>
/// <param name="UpdatedAt">When the team or its members last changed.</param>
/// <param name="UpdatedBy">Who made that change.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.Team")]
public sealed record Team(
    [property: Id(0)] string TeamId,
    [property: Id(1)] string Name,
    [property: Id(2)] string TimeZone,
    [property: Id(3)] ImmutableArray<string> Supervisors,
    [property: Id(4)] TeamPreferenceOverrides Preferences,
    [property: Id(5)] int AgentCount,
    [property: Id(6)] long Version,
    [property: Id(7)] DateTimeOffset UpdatedAt,
    [property: Id(8)] string UpdatedBy);

/// <summary>
/// The team an agent belongs to, as the agent holds it: enough to compute its effective preferences without asking
/// the team on every deadline.
/// </summary>
/// <param name="TeamId">The team.</param>
/// <param name="Preferences">The team's overrides.</param>
/// <param name="Version">The team's version these overrides come from.</param>
/// <param name="TimeZone">The team's IANA time zone, which its <see cref="TeamPreferenceOverrides.ShiftEnd"/> is in; null is <c>UTC</c>.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.TeamMembership")]
public sealed record TeamMembership(
    [property: Id(0)] string TeamId,
    [property: Id(1)] TeamPreferenceOverrides Preferences,
    [property: Id(2)] long Version,
    [property: Id(3)] string? TimeZone = null);

/// <summary>Where an effective preference comes from.</summary>
public enum PreferenceSource
{
    /// <summary>The tenant's preferences (the agent is in no team, or its team does not override the field).</summary>
    Tenant,

    /// <summary>The agent's team overrides the field.</summary>
    Team,
}

/// <summary>The source of each field a team may override.</summary>
/// <param name="AutoEndEnabled">Where <c>autoEndEnabled</c> comes from.</param>
/// <param name="InactivityTimeoutSeconds">Where <c>inactivityTimeoutSeconds</c> comes from.</param>
/// <param name="GracePeriodSeconds">Where <c>gracePeriodSeconds</c> comes from.</param>
/// <param name="NotReadyLimits">Where <c>notReadyLimits</c> comes from.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.PreferenceSources")]
public sealed record PreferenceSources(
    [property: Id(0)] PreferenceSource AutoEndEnabled,
    [property: Id(1)] PreferenceSource InactivityTimeoutSeconds,
    [property: Id(2)] PreferenceSource GracePeriodSeconds,
    [property: Id(5)] PreferenceSource NotReadyLimits = PreferenceSource.Tenant)
{
    /// <summary>Where <c>clientGoneSeconds</c> comes from.</summary>
    [Id(3)]
    public PreferenceSource ClientGoneSeconds { get; init; }

    /// <summary>Where <c>clientGoneAction</c> comes from.</summary>
    [Id(4)]
    public PreferenceSource ClientGoneAction { get; init; }
}

/// <summary>The preferences that apply to one agent: its team's overrides over its tenant's.</summary>
/// <param name="Preferences">The values in force.</param>
/// <param name="TeamId">The agent's team; null when it belongs to none.</param>
/// <param name="Source">Where each field a team may override comes from.</param>
/// <param name="ShiftEnd">The team's end of shift (a team-only preference); null when none.</param>
/// <param name="TimeZone">The team's time zone, which <paramref name="ShiftEnd"/> is in; null in no team.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.EffectivePreferences")]
public sealed record EffectivePreferences(
    [property: Id(0)] WorkSessionPreferences Preferences,
    [property: Id(1)] string? TeamId,
    [property: Id(2)] PreferenceSources Source,
    [property: Id(3)] ShiftEnd? ShiftEnd = null,
    [property: Id(4)] string? TimeZone = null);

/// <summary>What a bulk change of a team's members did.</summary>
/// <param name="Added">Agents that were in no team and joined this one.</param>
/// <param name="Removed">Agents that left this team.</param>
/// <param name="Moved">Agents that left another team to join this one.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.TeamMembersChange")]
public sealed record TeamMembersChange(
    [property: Id(0)] int Added,
    [property: Id(1)] int Removed,
    [property: Id(2)] int Moved);

/// <summary>A page of a team's members in agent-id (ordinal) order.</summary>
/// <param name="AgentIds">The page.</param>
/// <param name="NextAfter">The cursor of the next page (the last id returned); null on the last page.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.TeamMembersPage")]
public sealed record TeamMembersPage(
    [property: Id(0)] IReadOnlyList<string> AgentIds,
    [property: Id(1)] string? NextAfter);

/// <summary>A team as a create-or-replace stored it.</summary>
/// <param name="Team">The stored team with its new version.</param>
/// <param name="Created">True when the team did not exist before.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.TeamPutResult")]
public sealed record TeamPutResult([property: Id(0)] Team Team, [property: Id(1)] bool Created);
