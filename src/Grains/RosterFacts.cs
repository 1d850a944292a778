using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>
/// What the roster holds of an open session so that it can filter and count without asking the agent: the agent grain
/// tells its tenant whenever one of these changes (never on the heartbeat path, which changes none of them).
/// </summary>
/// <param name="SessionId">The open session.</param>
/// <param name="TeamId">The agent's team; null when in none.</param>
/// <param name="Status">The agent's status.</param>
/// <param name="StatusReason">The not-ready reason; null otherwise.</param>
/// <param name="State">Active, or warned while the inactivity prompt is pending.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.RosterFacts")]
internal sealed record RosterFacts(
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] string? TeamId,
    [property: Id(2)] AgentStatus Status,
    [property: Id(3)] string? StatusReason,
    [property: Id(4)] SessionState State);
