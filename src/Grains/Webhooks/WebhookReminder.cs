using Microsoft.Extensions.Logging;

namespace WorkSessions.Webhooks;

/// <summary>
/// An endpoint's durable wake-up (docs/architecture.md#webhooks): registered while it delivers, so that a lost silo's
/// deliverer comes back on another; removed when it is disabled, failing or deleted. A failure is logged, not thrown:
/// the poll timer delivers meanwhile, and a reminder left behind finds nothing to deliver and removes itself.
/// </summary>
internal static class WebhookReminder
{
    /// <summary>The reminder's name; every endpoint has at most one.</summary>
    public const string Name = "webhook-deliverer";

    /// <summary>Registers the reminder with <paramref name="period"/> (also its first due time).</summary>
    public static async Task RegisterAsync(Grain grain, TimeSpan period, ILogger logger, string key)
    {
        try
        {
            await grain.RegisterOrUpdateReminder(Name, period, period);
        }
        catch (Exception exception)
        {
            WebhookLog.ReminderFailed(logger, exception, key);
        }
    }

    /// <summary>Removes the reminder if there is one.</summary>
    public static async Task UnregisterAsync(Grain grain, ILogger logger, string key)
    {
        try
        {
            if (await grain.GetReminder(Name) is { } reminder)
            {
                await grain.UnregisterReminder(reminder);
            }
        }
        catch (Exception exception)
        {
            WebhookLog.ReminderFailed(logger, exception, key);
        }
    }
}
