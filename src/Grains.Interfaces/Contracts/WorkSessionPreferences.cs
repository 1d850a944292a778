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
    /// <summary>The preferences of a tenant whose admin never changed them.</summary>
    public static WorkSessionPreferences Default { get; } = new(false, false, 1800, 180);

    /// <summary>The inactivity timeout as a duration.</summary>
    [JsonIgnore]
    public TimeSpan InactivityTimeout => TimeSpan.FromSeconds(InactivityTimeoutSeconds);

    /// <summary>The grace period as a duration.</summary>
    [JsonIgnore]
    public TimeSpan GracePeriod => TimeSpan.FromSeconds(GracePeriodSeconds);
}

/// <summary>Preferences as stored by the tenant, with what optimistic concurrency and audit need.</summary>
/// <param name="Preferences">The four preference values.</param>
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
