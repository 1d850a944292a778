using System.Text.Json.Serialization;
using WorkSessions.Contracts;
using WorkSessions.Reporting;

namespace WorkSessions;

/// <summary>The tenant grain's persisted state: small, and not rewritten when sessions open or close.</summary>
internal sealed record TenantGrainState : IOutboxState<TenantGrainState>
{
    public TenantPreferences Preferences { get; set; } = TenantPreferences.Default;

    /// <summary>
    /// The preferences version every agent on the roster was pushed. Behind <see cref="Preferences"/> while a push is
    /// running; an activation that finds it behind (the push was cut off by a crash or a deactivation) pushes again.
    /// </summary>
    public long PushedVersion { get; set; }

    /// <summary>
    /// The roster as earlier versions stored it in this row (rewritten whole every few seconds). Read once by an
    /// activation that finds it (<see cref="TakeLegacyRoster"/>), and dropped by its next write: the roster now lives in
    /// memory, rebuilt from the report tables' open sessions and the agents' announcements.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, Guid>? Roster { get; set; }

    /// <summary>Preference changes stored with the change and not yet known to be in the report tables.</summary>
    public List<ReportEntry> Outbox { get; set; } = [];

    public TenantGrainState WithOutbox(List<ReportEntry> outbox) => this with { Outbox = outbox };

    /// <summary>The roster a row of an earlier version holds, if any; the next write leaves it out.</summary>
    public IReadOnlyDictionary<string, Guid> TakeLegacyRoster()
    {
        var legacy = Roster ?? [];
        Roster = null;
        return legacy;
    }
}
