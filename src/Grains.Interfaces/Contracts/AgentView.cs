namespace WorkSessions.Contracts;

/// <summary>What an agent, a supervisor or a backend service sees of one agent right now.</summary>
/// <param name="AgentId">The agent's id within the tenant.</param>
/// <param name="State">Where the agent is in the session life cycle.</param>
/// <param name="Status">The agent's status.</param>
/// <param name="StatusReason">The not-ready reason code, when <paramref name="Status"/> is not ready.</param>
/// <param name="Session">The open session, or null.</param>
/// <param name="Prompt">The pending inactivity prompt, or null.</param>
/// <param name="TeamId">The agent's team, whose overrides apply to it; null when it belongs to none.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.AgentView")]
public sealed record AgentView(
    [property: Id(0)] string AgentId,
    [property: Id(1)] SessionState State,
    [property: Id(2)] AgentStatus Status,
    [property: Id(3)] string? StatusReason,
    [property: Id(4)] SessionView? Session,
    [property: Id(5)] PromptView? Prompt,
    [property: Id(6)] string? TeamId = null);

/// <summary>An open work session.</summary>
/// <param name="SessionId">The session's id.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="LastActivityAt">The last activity the grain knows of.</param>
/// <param name="PromptCount">Inactivity prompts shown so far.</param>
/// <param name="ContinueCount">Prompts the agent answered with Continue.</param>
/// <param name="OpenEngagements">Ids of engagements in progress.</param>
/// <param name="TimeInStatus">The session's time per status so far, as of the instant the current status began.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.SessionView")]
public sealed record SessionView(
    [property: Id(0)] Guid SessionId,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] DateTimeOffset LastActivityAt,
    [property: Id(3)] int PromptCount,
    [property: Id(4)] int ContinueCount,
    [property: Id(5)] IReadOnlyList<string> OpenEngagements,
    [property: Id(6)] StatusTimeView TimeInStatus);

/// <summary>
/// An open session's seconds in each status up to <paramref name="AsOf"/>, counted by the same rule as the session
/// record and the reports. Since <paramref name="AsOf"/> the agent has been in its current status, so the time up to
/// any later instant is these figures plus (that instant − <paramref name="AsOf"/>) in the current status.
/// </summary>
/// <param name="AsOf">When the current status began counting: the figures are exact as of here.</param>
/// <param name="ReadySeconds">Seconds ready.</param>
/// <param name="NotReadySeconds">Seconds not ready.</param>
/// <param name="OccupiedSeconds">Seconds occupied (in an engagement).</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.StatusTimeView")]
public sealed record StatusTimeView(
    [property: Id(0)] DateTimeOffset AsOf,
    [property: Id(1)] double ReadySeconds,
    [property: Id(2)] double NotReadySeconds,
    [property: Id(3)] double OccupiedSeconds);

/// <summary>A pending inactivity prompt.</summary>
/// <param name="WarnedAt">When the prompt was shown.</param>
/// <param name="Deadline">When the session ends unless the agent continues.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.PromptView")]
public sealed record PromptView([property: Id(0)] DateTimeOffset WarnedAt, [property: Id(1)] DateTimeOffset Deadline);

/// <summary>The answer to a start request.</summary>
/// <param name="Created">True when a new session started; false when one was already open.</param>
/// <param name="View">The agent afterwards.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.StartSessionResult")]
public sealed record StartSessionResult([property: Id(0)] bool Created, [property: Id(1)] AgentView View);

/// <summary>The answer to a subscription or its renewal.</summary>
/// <param name="Renewed">True when the observer was already subscribed; false for a new subscription.</param>
/// <param name="View">The agent now.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.AgentSubscription")]
public sealed record AgentSubscription([property: Id(0)] bool Renewed, [property: Id(1)] AgentView View);
