namespace WorkSessions.Contracts;

/// <summary>A finished work session as reports show it (docs/http-api.md).</summary>
/// <param name="SessionId">The session's id.</param>
/// <param name="AgentId">The agent's id within the tenant.</param>
/// <param name="StartedAt">When the session started.</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="EndReason">Why it ended.</param>
/// <param name="EndedBy">The user id of whoever ended it; null for an inactivity timeout.</param>
/// <param name="PromptCount">Inactivity prompts shown.</param>
/// <param name="ContinueCount">Prompts answered with Continue.</param>
/// <param name="ReadySeconds">Seconds spent ready.</param>
/// <param name="NotReadySeconds">Seconds spent not ready.</param>
/// <param name="OccupiedSeconds">Seconds spent occupied by engagements.</param>
/// <param name="Note">The note a supervisor or admin left when ending it.</param>
/// <param name="TeamId">The team the agent was in when the session started; null for none (and for sessions started before teams were recorded).</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.SessionRecord")]
public sealed record SessionRecord(
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] string AgentId,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] DateTimeOffset EndedAt,
    [property: Id(4)] EndReason EndReason,
    [property: Id(5)] string? EndedBy,
    [property: Id(6)] int PromptCount,
    [property: Id(7)] int ContinueCount,
    [property: Id(8)] double ReadySeconds,
    [property: Id(9)] double NotReadySeconds,
    [property: Id(10)] double OccupiedSeconds,
    [property: Id(11)] string? Note,
    [property: Id(12)] string? TeamId = null);
