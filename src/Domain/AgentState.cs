using WorkSessions.Contracts;
using WorkSessions.Domain.Limits;

namespace WorkSessions.Domain;

/// <summary>
/// Everything the agent's state machine remembers: plain data, persisted as JSON by the agent grain. Only
/// <see cref="WorkSessionMachine"/> makes a new one — a command on a copy (<see cref="Copy"/>), a heartbeat as a copy
/// with a new session (<see cref="WithSession"/>) — and no state is changed once made, so a failed write leaves
/// nothing half-applied.
/// </summary>
internal sealed class AgentState
{
    public AgentStatus Status { get; set; } = AgentStatus.Offline;

    public string? StatusReason { get; set; }

    /// <summary>The status to return to when the last open engagement ends.</summary>
    public AgentStatus? StatusAfterEngagements { get; set; }

    public string? ReasonAfterEngagements { get; set; }

    public List<string> OpenEngagements { get; set; } = [];

    public OpenSession? Session { get; set; }

    /// <summary>The tenant's preferences as this agent last saw them; the tenant grain holds the current ones.</summary>
    public TenantPreferences Preferences { get; set; } = TenantPreferences.Default;

    /// <summary>
    /// The agent's team and its overrides as this agent last saw them; null in no team. Stored, unlike
    /// <see cref="Preferences"/>: an activation must know which team to ask for its current overrides.
    /// </summary>
    public TeamMembership? Team { get; set; }

    /// <summary>
    /// The latest time this agent recorded. Recorded times never go below it, so a silo whose clock is behind
    /// the previous one cannot make times run backwards.
    /// </summary>
    public DateTimeOffset? LatestRecordedAt { get; set; }

    /// <summary>
    /// Since when no event stream of the agent is open on any Gateway (docs/architecture.md#client-presence); null while
    /// one is. Memory only: an activation does not know the streams and holds the client absent from when the streams
    /// have had time to announce themselves again.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public DateTimeOffset? ClientAbsentSince { get; set; }

    /// <summary>A copy whose own lists and session are its own, for a command to change.</summary>
    public AgentState Copy()
    {
        var copy = (AgentState)MemberwiseClone();
        copy.OpenEngagements = [.. OpenEngagements];
        copy.Session = Session?.Copy();
        return copy;
    }

    /// <summary>
    /// A copy with another session that shares the rest (the engagement list) with this state: for a heartbeat,
    /// which changes the session only. Neither state is changed afterwards, so sharing is safe.
    /// </summary>
    public AgentState WithSession(OpenSession? session)
    {
        var copy = (AgentState)MemberwiseClone();
        copy.Session = session;
        return copy;
    }
}

/// <summary>The open work session, with absolute deadlines and the time spent in each status so far.</summary>
internal sealed class OpenSession
{
    public Guid SessionId { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    /// <summary>The team the agent was in when the session started (null: none); the session's reports keep it.</summary>
    public string? TeamId { get; set; }

    public DateTimeOffset LastActivityAt { get; set; }

    /// <summary>Set while the inactivity prompt is pending.</summary>
    public DateTimeOffset? WarnedAt { get; set; }

    /// <summary>Set while the inactivity prompt is pending: the session ends then unless the agent continues.</summary>
    public DateTimeOffset? GraceDeadline { get; set; }

    /// <summary>Set once the client-gone action was taken: when the client had gone. Cleared when a stream opens again.</summary>
    public DateTimeOffset? ClientGoneSince { get; set; }

    public int PromptCount { get; set; }

    public int ContinueCount { get; set; }

    /// <summary>When the current status began counting towards the session's totals.</summary>
    public DateTimeOffset StatusSince { get; set; }

    public double ReadySeconds { get; set; }

    public double NotReadySeconds { get; set; }

    public double OccupiedSeconds { get; set; }

    /// <summary>What the agent was told of its current status's not-ready limit (docs/architecture.md#limits).</summary>
    public StatusLimitNotice? StatusLimitNotice { get; set; }

    /// <summary>What the agent was told of its shift's end (docs/architecture.md#shift-end).</summary>
    public ShiftNotice? ShiftNotice { get; set; }

    public OpenSession Copy() => (OpenSession)MemberwiseClone();
}
