namespace WorkSessions.Contracts;

/// <summary>Where an agent is in the work-session life cycle (docs/architecture.md#state-machine).</summary>
public enum SessionState
{
    /// <summary>No open session.</summary>
    None = 0,

    /// <summary>An open session with no pending inactivity prompt.</summary>
    Active = 1,

    /// <summary>The inactivity prompt is shown and the grace deadline is running.</summary>
    Warned = 2,
}

/// <summary>The agent's availability as routing sees it.</summary>
public enum AgentStatus
{
    /// <summary>Not available; the status of every agent without an open session while work sessions are on.</summary>
    Offline = 0,

    /// <summary>Available for work.</summary>
    Ready = 1,

    /// <summary>Signed in but not taking work; always carries a reason code.</summary>
    NotReady = 2,

    /// <summary>Set by the system while an engagement (call, chat) is open.</summary>
    Occupied = 3,
}

/// <summary>Why a work session ended.</summary>
public enum EndReason
{
    /// <summary>The agent ended their own session.</summary>
    AgentEnded = 0,

    /// <summary>The agent did not answer the inactivity prompt within the grace period.</summary>
    InactivityTimeout = 1,

    /// <summary>A supervisor ended the session.</summary>
    EndedBySupervisor = 2,

    /// <summary>An admin ended the session.</summary>
    EndedByAdmin = 3,

    /// <summary>An admin turned the work-sessions feature off for the tenant.</summary>
    FeatureDisabled = 4,

    /// <summary>
    /// The agent's client was gone (no event stream open) for the tenant's <c>clientGoneSeconds</c> and its
    /// <c>clientGoneAction</c> is <c>endSession</c> (docs/architecture.md#client-presence).
    /// </summary>
    ClientGone = 5,

    /// <summary>The agent stayed not ready for a reason longer than its limit, whose action ends the session.</summary>
    StatusLimit = 6,

    /// <summary>The agent's team's shift ended.</summary>
    ShiftEnded = 7,
}

/// <summary>What happens to an agent whose client has been gone for <c>clientGoneSeconds</c>.</summary>
public enum ClientGoneAction
{
    /// <summary>The agent becomes not ready with the reason <c>Disconnected</c>; the session stays open. The default.</summary>
    NotReady = 0,

    /// <summary>The session ends with the reason <c>clientGone</c>.</summary>
    EndSession = 1,
}

/// <summary>The role in which someone acted on a session.</summary>
public enum ActorRole
{
    /// <summary>The platform itself (timers, engagements reported by backend services).</summary>
    System = 0,

    /// <summary>The agent acting on their own session.</summary>
    Agent = 1,

    /// <summary>A supervisor of the tenant.</summary>
    Supervisor = 2,

    /// <summary>An admin of the tenant.</summary>
    Admin = 3,
}

/// <summary>Why a pending inactivity prompt went away without ending the session.</summary>
public enum WarningClearedCause
{
    /// <summary>The agent clicked Continue.</summary>
    Continued = 0,

    /// <summary>An engagement began, which pauses the inactivity clock.</summary>
    EngagementBegan = 1,

    /// <summary>An admin turned auto-end off.</summary>
    AutoEndDisabled = 2,
}
