namespace WorkSessions.Contracts;

/// <summary>The agent's time in a not-ready reason nears its limit (docs/architecture.md#limits): <c>status-limit-warning</c>.</summary>
/// <param name="EventId">Unique id.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="At">When the warning was given.</param>
/// <param name="SessionId">The session.</param>
/// <param name="Reason">The not-ready reason.</param>
/// <param name="LimitAt">When the limit is reached unless the status changes.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.StatusLimitWarned")]
public sealed record StatusLimitWarned(Guid EventId, string AgentId, DateTimeOffset At,
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] string Reason,
    [property: Id(2)] DateTimeOffset LimitAt) : AgentEvent(EventId, AgentId, At);

/// <summary>The agent's time in a not-ready reason passed its limit: <c>status-limit-reached</c>.</summary>
/// <param name="EventId">Unique id.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="At">When the limit passed.</param>
/// <param name="SessionId">The session.</param>
/// <param name="Reason">The not-ready reason.</param>
/// <param name="Action">What follows: an alert only, or the session's end (<c>statusLimit</c>).</param>
/// <param name="Since">Since when the agent has been not ready for this reason.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.StatusLimitReached")]
public sealed record StatusLimitReached(Guid EventId, string AgentId, DateTimeOffset At,
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] string Reason,
    [property: Id(2)] StatusLimitAction Action,
    [property: Id(3)] DateTimeOffset Since) : AgentEvent(EventId, AgentId, At);

/// <summary>The agent's shift ends soon (docs/architecture.md#shift-end): <c>shift-ending</c>.</summary>
/// <param name="EventId">Unique id.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="At">When the agent was told.</param>
/// <param name="SessionId">The session.</param>
/// <param name="EndsAt">When the session ends <c>shiftEnded</c> (later if an engagement is open then).</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.ShiftEnding")]
public sealed record ShiftEnding(Guid EventId, string AgentId, DateTimeOffset At,
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] DateTimeOffset EndsAt) : AgentEvent(EventId, AgentId, At);
