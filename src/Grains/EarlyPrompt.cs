using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>
/// Which events reach the agent's observers before their write (docs/architecture.md#storage): a prompt alone. A crash
/// before its write lands re-prompts anyway (the recovery rule), and a failed write leaves the session active with the
/// timer retrying, so the agent is prompted again with the deadline that is finally stored. Nothing else goes out
/// early: an end, a status or a withdrawn prompt that failed to store never happened.
/// </summary>
internal static class EarlyPrompt
{
    /// <summary>Whether <paramref name="events"/> go to the observers before they are stored.</summary>
    /// <param name="events">The transition's events.</param>
    /// <param name="fencing">
    /// The activation's fence is not stored yet; an activation that may have been superseded shows nothing it has not
    /// stored.
    /// </param>
    /// <param name="siloActive">Whether the silo is still active; a silo that is not may have been superseded too.</param>
    public static bool GoesOutFirst(IReadOnlyList<AgentEvent> events, bool fencing, bool siloActive) =>
        events.Count > 0 && events.All(agentEvent => agentEvent is InactivityWarned) && !fencing && siloActive;
}
