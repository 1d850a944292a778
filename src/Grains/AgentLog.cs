using Microsoft.Extensions.Logging;
using WorkSessions.Contracts;
using WorkSessions.Domain;

namespace WorkSessions;

/// <summary>What the agent grain logs: one line per event of a transition, the recovery rule, reminder and team-question failures.</summary>
internal static partial class AgentLog
{
    /// <summary>Logs each event of a transition that took effect.</summary>
    public static void Transition(ILogger logger, string agentKey, IReadOnlyList<AgentEvent> events)
    {
        foreach (var agentEvent in events)
        {
            switch (agentEvent)
            {
                case SessionStarted started:
                    SessionStarted(logger, agentKey, started.SessionId);
                    break;
                case InactivityWarned warned:
                    Warned(logger, agentKey, warned.Deadline);
                    break;
                case SessionEnded ended:
                    SessionEnded(logger, agentKey, ended.Record.SessionId, ended.Record.EndReason);
                    break;
                case StatusChanged changed:
                    StatusChanged(logger, agentKey, changed.From, changed.To, changed.Reason, changed.Actor.Role);
                    break;
                case WarningCleared cleared:
                    WarningCleared(logger, agentKey, cleared.Cause);
                    break;
                case StatusLimitWarned or StatusLimitReached or ShiftEnding:
                    LimitNotice(logger, agentKey, agentEvent);
                    break;
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} activated with an open session: the gap counts as activity")]
    public static partial void Recovered(ILogger logger, string agentKey);

    [LoggerMessage(LogLevel.Warning, "Agent {AgentKey} could not register or remove its wake-up reminder")]
    public static partial void ReminderFailed(ILogger logger, Exception exception, string agentKey);

    [LoggerMessage(LogLevel.Warning, "Agent {AgentKey} could not ask team {TeamId} on its wake-up; it asks again on the next one")]
    public static partial void TeamAskFailed(ILogger logger, Exception exception, string agentKey, string teamId);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} started session {SessionId}")]
    private static partial void SessionStarted(ILogger logger, string agentKey, Guid sessionId);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} warned, deadline {Deadline}")]
    private static partial void Warned(ILogger logger, string agentKey, DateTimeOffset deadline);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} ended session {SessionId}: {EndReason}")]
    private static partial void SessionEnded(ILogger logger, string agentKey, Guid sessionId, EndReason endReason);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} status {From} → {To} ({Reason}) by {ActorRole}")]
    private static partial void StatusChanged(ILogger logger, string agentKey, AgentStatus from, AgentStatus to, string? reason, ActorRole actorRole);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey}: {LimitEvent}")]
    private static partial void LimitNotice(ILogger logger, string agentKey, AgentEvent limitEvent);

    [LoggerMessage(LogLevel.Information, "Agent {AgentKey} prompt withdrawn: {Cause}")]
    private static partial void WarningCleared(ILogger logger, string agentKey, WarningClearedCause cause);
}
