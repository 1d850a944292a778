using Microsoft.Extensions.Logging;

namespace WorkSessions;

/// <summary>
/// The agent grain's durable wake-up (docs/architecture.md#timers-and-reminders): registered while a session is open
/// or report events wait in the outbox, so that a lost silo's agents are checked again; gone otherwise, so an idle
/// agent costs the reminder table nothing.
/// </summary>
internal static class WakeUpReminder
{
    /// <summary>The reminder's name; every agent has at most one.</summary>
    public const string Name = "work-session-wake-up";

    /// <summary>
    /// Registers or removes the reminder so that it exists exactly when <paramref name="needed"/>, and returns what is
    /// now registered: <paramref name="needed"/>, or null when the reminder service failed (the next call tries again).
    /// </summary>
    /// <param name="grain">The agent grain.</param>
    /// <param name="needed">Whether the agent needs wake-ups.</param>
    /// <param name="period">The reminder's period, also its first due time.</param>
    /// <param name="logger">Where a failure is logged.</param>
    /// <param name="agentKey">The agent's key, for the log.</param>
    public static async Task<bool?> SyncAsync(Grain grain, bool needed, TimeSpan period, ILogger logger, string agentKey)
    {
        try
        {
            if (needed)
            {
                // A due time of zero is reported to skip the first tick (dotnet/orleans#9385): start one period out.
                await grain.RegisterOrUpdateReminder(Name, period, period);
            }
            else if (await grain.GetReminder(Name) is { } reminder)
            {
                await grain.UnregisterReminder(reminder);
            }

            return needed;
        }
        catch (Exception exception)
        {
            // The transition is stored and the timer armed; the next commit (a timer tick at the latest) retries.
            AgentLog.ReminderFailed(logger, exception, agentKey);
            return null;
        }
    }
}
