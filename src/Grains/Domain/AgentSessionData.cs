using WorkSessions.Contracts;

namespace WorkSessions.Domain;

/// <summary>
/// Everything the agent's state machine remembers. Plain data so the grain can persist it as JSON;
/// only <see cref="WorkSession"/> changes it.
/// </summary>
public sealed class AgentSessionData
{
    public AgentStatus Status { get; set; } = AgentStatus.Offline;

    public string? StatusReason { get; set; }

    /// <summary>The status to return to when the last open engagement ends.</summary>
    public AgentStatus? StatusAfterEngagements { get; set; }

    public string? ReasonAfterEngagements { get; set; }

    public List<string> OpenEngagements { get; set; } = [];

    public OpenSession? Session { get; set; }

    public TenantPreferences Preferences { get; set; } = TenantPreferences.Default;
}

/// <summary>The open work session, with absolute deadlines and the time spent in each status so far.</summary>
public sealed class OpenSession
{
    public Guid SessionId { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset LastActivityAt { get; set; }

    /// <summary>Set while the inactivity prompt is pending.</summary>
    public DateTimeOffset? WarnedAt { get; set; }

    /// <summary>Set while the inactivity prompt is pending: the session ends then unless the agent continues.</summary>
    public DateTimeOffset? GraceDeadline { get; set; }

    public int PromptCount { get; set; }

    public int ContinueCount { get; set; }

    /// <summary>When the current status began counting towards the session's totals.</summary>
    public DateTimeOffset StatusSince { get; set; }

    public double ReadySeconds { get; set; }

    public double NotReadySeconds { get; set; }

    public double OccupiedSeconds { get; set; }
}
