using WorkSessions.Contracts;
using WorkSessions.Domain;

namespace WorkSessions;

/// <summary>
/// The agent grain's side of its tenant: which tenant and agent it is, when it last read the preferences (read while no
/// session is open), and the roster messages about its open session. Roster messages are one-way: the tenant is never
/// on an agent's command path. A mutable struct held in a field of the grain, so it costs no object of its own.
/// </summary>
internal struct AgentTenantLink(string tenantId, string agentId)
{
    // Without a session a heartbeat is only answered with 409; asking the tenant each time would put it on the heartbeat
    // path of every idle client, so the answer may be this old.
    private static readonly TimeSpan PreferencesRecheckInterval = TimeSpan.FromSeconds(5);

    private DateTimeOffset _preferencesReadAt = DateTimeOffset.MinValue;

    /// <summary>The tenant's id, one interned copy per tenant.</summary>
    public readonly string TenantId => tenantId;

    /// <summary>The agent's id within the tenant.</summary>
    public readonly string AgentId => agentId;

    /// <summary>Whether the preferences were read long enough ago to be read again before a heartbeat is answered.</summary>
    public readonly bool PreferencesMayBeStale(DateTimeOffset now) => now - _preferencesReadAt >= PreferencesRecheckInterval;

    /// <summary>The tenant's current preferences; pass the answer's time to <see cref="PreferencesRead"/>.</summary>
    public readonly Task<TenantPreferences> ReadPreferences(IGrainFactory grains) => grains.GetTenantGrain(tenantId).GetPreferences();

    /// <summary>The preferences were read at <paramref name="now"/>.</summary>
    public void PreferencesRead(DateTimeOffset now) => _preferencesReadAt = now;

    /// <summary>
    /// Tells the tenant again about the open session, on activation and on each wake-up tick. Harmless when it knows; it
    /// repairs a roster that lost a one-way message or a batch of changes with a silo, and the tenant answers with its
    /// preferences if the agent's differ (a lost push, a tenant restored from a backup).
    /// </summary>
    public readonly void AnnounceOpenSession(IGrainFactory grains, AgentState current)
    {
        if (current.Session is { } open)
        {
            grains.GetTenantRoster(tenantId).SessionOpened(agentId, open.SessionId, current.Preferences).Ignore();
        }
    }

    /// <summary>Tells the roster of the sessions a stored transition opened or closed, in the order they did.</summary>
    public readonly void Tell(IGrainFactory grains, IReadOnlyList<AgentEvent> events, TenantPreferences held)
    {
        foreach (var agentEvent in events)
        {
            switch (agentEvent)
            {
                case SessionStarted started:
                    grains.GetTenantRoster(tenantId).SessionOpened(agentId, started.SessionId, held).Ignore();
                    break;
                case SessionEnded ended:
                    grains.GetTenantRoster(tenantId).SessionClosed(agentId, ended.Record.SessionId).Ignore();
                    break;
            }
        }
    }
}
