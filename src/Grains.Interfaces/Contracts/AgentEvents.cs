using System.Text.Json.Serialization;

namespace WorkSessions.Contracts;

/// <summary>
/// Something that happened to an agent: the unit the reporting outbox delivers and the event stream pushes.
/// </summary>
/// <param name="EventId">Unique id; reporting inserts are idempotent on it.</param>
/// <param name="AgentId">The agent's id within the tenant.</param>
/// <param name="At">When it happened.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.AgentEvent")]
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(SessionStarted), "sessionStarted")]
[JsonDerivedType(typeof(StatusChanged), "statusChanged")]
[JsonDerivedType(typeof(InactivityWarned), "inactivityWarned")]
[JsonDerivedType(typeof(WarningCleared), "warningCleared")]
[JsonDerivedType(typeof(SessionEnded), "sessionEnded")]
[JsonDerivedType(typeof(StatusLimitWarned), "statusLimitWarned")]
[JsonDerivedType(typeof(StatusLimitReached), "statusLimitReached")]
[JsonDerivedType(typeof(ShiftEnding), "shiftEnding")]
public abstract record AgentEvent(
    [property: Id(0)] Guid EventId,
    [property: Id(1)] string AgentId,
    [property: Id(2)] DateTimeOffset At);

/// <summary>A work session started.</summary>
/// <param name="EventId">Unique id.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="At">The session's start.</param>
/// <param name="SessionId">The new session.</param>
/// <param name="Actor">Who started it.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.SessionStarted")]
public sealed record SessionStarted(Guid EventId, string AgentId, DateTimeOffset At,
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] Actor Actor) : AgentEvent(EventId, AgentId, At);

/// <summary>The agent's status changed.</summary>
/// <param name="EventId">Unique id.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="At">When.</param>
/// <param name="SessionId">The open session, or null when none was open.</param>
/// <param name="From">The status before.</param>
/// <param name="To">The status after.</param>
/// <param name="Reason">The not-ready reason code of the new status, if any.</param>
/// <param name="Actor">Who changed it.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.StatusChanged")]
public sealed record StatusChanged(Guid EventId, string AgentId, DateTimeOffset At,
    [property: Id(0)] Guid? SessionId,
    [property: Id(1)] AgentStatus From,
    [property: Id(2)] AgentStatus To,
    [property: Id(3)] string? Reason,
    [property: Id(4)] Actor Actor) : AgentEvent(EventId, AgentId, At);

/// <summary>The inactivity prompt was shown.</summary>
/// <param name="EventId">Unique id.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="At">When the prompt was shown (the warnedAt).</param>
/// <param name="SessionId">The session.</param>
/// <param name="Deadline">When the session ends unless the agent continues.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.InactivityWarned")]
public sealed record InactivityWarned(Guid EventId, string AgentId, DateTimeOffset At,
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] DateTimeOffset Deadline) : AgentEvent(EventId, AgentId, At);

/// <summary>A pending prompt went away and the session stays open.</summary>
/// <param name="EventId">Unique id.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="At">When.</param>
/// <param name="SessionId">The session.</param>
/// <param name="Cause">Why the prompt went away.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.WarningCleared")]
public sealed record WarningCleared(Guid EventId, string AgentId, DateTimeOffset At,
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] WarningClearedCause Cause) : AgentEvent(EventId, AgentId, At);

/// <summary>A work session ended.</summary>
/// <param name="EventId">Unique id.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="At">The session's end.</param>
/// <param name="Record">The finished session.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.SessionEnded")]
public sealed record SessionEnded(Guid EventId, string AgentId, DateTimeOffset At,
    [property: Id(0)] SessionRecord Record) : AgentEvent(EventId, AgentId, At);
