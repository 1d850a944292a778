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
[JsonDerivedType(typeof(ClientGone), "clientGone")]
[JsonDerivedType(typeof(ClientBack), "clientBack")]
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

/// <summary>
/// The agent's client had no event stream open for <c>clientGoneSeconds</c> and the action was taken
/// (docs/architecture.md#client-presence): a status change to not ready or the session's end follows in the same transition.
/// </summary>
/// <param name="EventId">Unique id.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="At">When the action was taken.</param>
/// <param name="SessionId">The session.</param>
/// <param name="Action">What was done.</param>
/// <param name="GoneSince">When the last stream went (or its Gateway was last heard from).</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.ClientGone")]
public sealed record ClientGone(Guid EventId, string AgentId, DateTimeOffset At,
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] ClientGoneAction Action,
    [property: Id(2)] DateTimeOffset GoneSince) : AgentEvent(EventId, AgentId, At);

/// <summary>A stream opened again for an agent whose client had been judged gone, its session still open.</summary>
/// <param name="EventId">Unique id.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="At">When the stream opened.</param>
/// <param name="SessionId">The session.</param>
/// <param name="GoneSince">When the client had gone.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.ClientBack")]
public sealed record ClientBack(Guid EventId, string AgentId, DateTimeOffset At,
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] DateTimeOffset GoneSince) : AgentEvent(EventId, AgentId, At);
