using WorkSessions.Contracts;

namespace WorkSessions.Domain.Presence;

/// <summary>
/// The client-gone rule (docs/architecture.md#client-presence), pure: an open session whose agent has had no event
/// stream open for <see cref="WorkSessionPreferences.ClientGoneSeconds"/> gets <see cref="WorkSessionPreferences.ClientGoneAction"/>,
/// once per absence, never while an engagement is open (it acts when the last one ends). <see cref="WorkSessionMachine"/>
/// consults it in its deadline logic; the agent grain feeds it the presence (<see cref="AgentState.ClientAbsentSince"/>).
/// </summary>
internal static class ClientPresenceRule
{
    /// <summary>The not-ready reason <see cref="ClientGoneAction.NotReady"/> sets; valid whatever the tenant's list holds.</summary>
    public const string DisconnectedReason = "Disconnected";

    /// <summary>
    /// When the action is due: <see cref="WorkSessionPreferences.ClientGoneSeconds"/> after the client went (never counted
    /// from before the session started); null when nothing is due — no session, the rule off, the client connected, an
    /// engagement open, or this absence already acted on.
    /// </summary>
    /// <param name="state">The agent's state.</param>
    /// <param name="preferences">The agent's effective preferences.</param>
    public static DateTimeOffset? Deadline(AgentState state, WorkSessionPreferences preferences) =>
        state.Session is { ClientGoneSince: null } session
        && preferences is { WorkSessionsEnabled: true, ClientGoneSeconds: { } seconds }
        && state.ClientAbsentSince is not null
        && state.OpenEngagements.Count == 0
            ? GoneSince(state, session) + TimeSpan.FromSeconds(seconds)
            : null;

    /// <summary>Whether the action is due at <paramref name="clock"/>.</summary>
    /// <param name="state">The agent's state.</param>
    /// <param name="preferences">The agent's effective preferences.</param>
    /// <param name="clock">The clock as it is.</param>
    public static bool IsDue(AgentState state, WorkSessionPreferences preferences, DateTimeOffset clock) =>
        Deadline(state, preferences) is { } deadline && clock >= deadline;

    /// <summary>Since when the open session's client counts as gone: when its last stream went, or the session's start if later.</summary>
    /// <param name="state">The agent's state, its client absent.</param>
    /// <param name="session">The open session.</param>
    public static DateTimeOffset GoneSince(AgentState state, OpenSession session) =>
        state.ClientAbsentSince is { } since && since > session.StartedAt ? since : session.StartedAt;
}
