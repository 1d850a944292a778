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

    // What the roster was last told of the open session: a transition that changes none of it tells nothing.
    private RosterFacts? _told;

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
    /// repairs a roster that lost a one-way message or a batch of changes with a silo, or was rebuilt without the
    /// session's status, and the tenant answers with its preferences if the agent's differ (a lost push, a tenant
    /// restored from a backup).
    /// </summary>
    public void AnnounceOpenSession(IGrainFactory grains, AgentState current)
    {
        if (FactsOf(current) is { } facts)
        {
            _told = facts;
            grains.GetTenantRoster(tenantId).SessionChanged(agentId, facts, current.Preferences).Ignore();
        }
    }

    /// <summary>
    /// Tells the roster of the sessions a stored transition closed, then of the open session when it opened or when its
    /// team, status, reason or state changed. Heartbeats never come here: they change none of those.
    /// </summary>
    public void Tell(IGrainFactory grains, IReadOnlyList<AgentEvent> events, AgentState current)
    {
        foreach (var agentEvent in events)
        {
            if (agentEvent is SessionEnded ended)
            {
                grains.GetTenantRoster(tenantId).SessionClosed(agentId, ended.Record.SessionId).Ignore();
                _told = null;
            }
        }

        var facts = FactsOf(current);
        if (facts is not null && facts != _told)
        {
            _told = facts;
            grains.GetTenantRoster(tenantId).SessionChanged(agentId, facts, current.Preferences).Ignore();
        }
        else if (facts is null)
        {
            _told = null;
        }
    }

    /// <summary>What the roster holds of the open session; null without one.</summary>
    private static RosterFacts? FactsOf(AgentState current) => current.Session is { } open
        ? new RosterFacts(open.SessionId, current.Team?.TeamId, current.Status, current.StatusReason, WorkSessionMachine.StateOf(current))
        : null;
}
