using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace WorkSessions.Contracts;

/// <summary>A tenant's work-session preferences (docs/architecture.md#preferences).</summary>
/// <param name="WorkSessionsEnabled">Whether agents work in sessions at all.</param>
/// <param name="AutoEndEnabled">Whether inactive agents are prompted and then switched to offline.</param>
/// <param name="InactivityTimeoutSeconds">Seconds without activity before the prompt.</param>
/// <param name="GracePeriodSeconds">Seconds the agent has to answer the prompt.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.WorkSessionPreferences")]
public sealed record WorkSessionPreferences(
    [property: Id(0)] bool WorkSessionsEnabled,
    [property: Id(1)] bool AutoEndEnabled,
    [property: Id(2)] int InactivityTimeoutSeconds,
    [property: Id(3)] int GracePeriodSeconds)
{
    /// <summary>What a tenant offers before its admin lists reasons of its own, and what preferences stored before the list existed hold.</summary>
    public static ImmutableArray<string> DefaultNotReadyReasons { get; } = ["Break", "Lunch", "Training", "Meeting"];

    /// <summary>The preferences of a tenant whose admin never changed them.</summary>
    // After the reasons: static initializers run in the order they are written, and this one reads them.
    public static WorkSessionPreferences Default { get; } = new(false, false, 1800, 180);

    // Left out (an older caller, JSON stored before the list existed) the reasons are the defaults. Orleans fills
    // fields without running a constructor, so a message from a silo that predates the list leaves this default
    // (not empty): the property answers the defaults then too. Not a constructor parameter: System.Text.Json sets it
    // like any property, and the OpenAPI schema cannot describe the default value of a struct parameter.
    [Id(4)]
    private readonly ImmutableArray<string> _notReadyReasons = DefaultNotReadyReasons;

    /// <summary>The reasons the agent's status menu offers for not ready, in the admin's order; the defaults unless set.</summary>
    public ImmutableArray<string> NotReadyReasons
    {
        get => _notReadyReasons.IsDefault ? DefaultNotReadyReasons : _notReadyReasons;
        init => _notReadyReasons = value.IsDefault ? DefaultNotReadyReasons : value;
    }

    /// <summary>
    /// Which agents a supervisor sees (docs/architecture.md#teams): the whole tenant (the default, also for preferences
    /// stored before the field existed) or only the agents of the teams that list them.
    /// </summary>
    [Id(5)]
    public SupervisorScope SupervisorScope { get; init; }

    // Orleans and System.Text.Json fill this without a constructor, as the reasons above: an older silo's message or
    // stored JSON without the field leaves the list empty (no limits).
    [Id(8)]
    private readonly ImmutableArray<NotReadyLimit> _notReadyLimits = [];

    /// <summary>
    /// Time limits on not-ready reasons (docs/architecture.md#limits): at most one per reason, each reason one of
    /// <see cref="NotReadyReasons"/>; empty (the default) limits nothing.
    /// </summary>
    public ImmutableArray<NotReadyLimit> NotReadyLimits
    {
        get => _notReadyLimits.IsDefault ? [] : _notReadyLimits;
        init => _notReadyLimits = value.IsDefault ? [] : value;
    }

    /// <summary>
    /// Seconds an open session's agent may have no event stream open before <see cref="ClientGoneAction"/> applies
    /// (docs/architecture.md#client-presence); null (the default) turns the rule off.
    /// </summary>
    [Id(6)]
    public int? ClientGoneSeconds { get; init; }

    /// <summary>What happens once the client has been gone for <see cref="ClientGoneSeconds"/>: not ready (the default) or the session ends.</summary>
    [Id(7)]
    public ClientGoneAction ClientGoneAction { get; init; }

    /// <summary>The inactivity timeout as a duration.</summary>
    [JsonIgnore]
    public TimeSpan InactivityTimeout => TimeSpan.FromSeconds(InactivityTimeoutSeconds);

    /// <summary>The grace period as a duration.</summary>
    [JsonIgnore]
    public TimeSpan GracePeriod => TimeSpan.FromSeconds(GracePeriodSeconds);

    /// <summary>Equal when every value is, the reasons compared in order (an array compares by reference).</summary>
    /// <param name="other">The preferences to compare with.</param>
    public bool Equals(WorkSessionPreferences? other) =>
        other is not null
        && WorkSessionsEnabled == other.WorkSessionsEnabled
        && AutoEndEnabled == other.AutoEndEnabled
        && InactivityTimeoutSeconds == other.InactivityTimeoutSeconds
        && GracePeriodSeconds == other.GracePeriodSeconds
        && SupervisorScope == other.SupervisorScope
        && NotReadyReasons.AsSpan().SequenceEqual(other.NotReadyReasons.AsSpan())
        && ClientGoneSeconds == other.ClientGoneSeconds
        && ClientGoneAction == other.ClientGoneAction
        && NotReadyReasons.AsSpan().SequenceEqual(other.NotReadyReasons.AsSpan())
        && NotReadyLimits.SameAs(other.NotReadyLimits);

    /// <summary>A hash of every value, consistent with <see cref="Equals(WorkSessionPreferences?)"/>.</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(WorkSessionsEnabled);
        hash.Add(AutoEndEnabled);
        hash.Add(InactivityTimeoutSeconds);
        hash.Add(GracePeriodSeconds);
        hash.Add(SupervisorScope);
        hash.Add(ClientGoneSeconds);
        hash.Add(ClientGoneAction);
        foreach (var reason in NotReadyReasons)
        {
            hash.Add(reason, StringComparer.Ordinal);
        }

        foreach (var limit in NotReadyLimits)
        {
            hash.Add(limit);
        }

        return hash.ToHashCode();
    }
}

/// <summary>Which agents a supervisor (not an admin) sees.</summary>
public enum SupervisorScope
{
    /// <summary>Every agent of the tenant: the default.</summary>
    Tenant,

    /// <summary>Only the agents of the teams that list the supervisor; anyone else looks like an agent never seen.</summary>
    Teams,
}

/// <summary>Preferences as stored by the tenant, with what optimistic concurrency and audit need.</summary>
/// <param name="Preferences">The preference values.</param>
/// <param name="Version">Incremented by every update; 0 for defaults never saved. Serves as the ETag.</param>
/// <param name="UpdatedAt">When an admin last changed them, or null for defaults.</param>
/// <param name="UpdatedBy">The admin's user id, or null for defaults.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.TenantPreferences")]
public sealed record TenantPreferences(
    [property: Id(0)] WorkSessionPreferences Preferences,
    [property: Id(1)] long Version,
    [property: Id(2)] DateTimeOffset? UpdatedAt,
    [property: Id(3)] string? UpdatedBy)
{
    /// <summary>Defaults, version 0.</summary>
    public static TenantPreferences Default { get; } = new(WorkSessionPreferences.Default, 0, null, null);
}
