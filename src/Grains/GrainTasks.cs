using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>How the grains run what nobody awaits for its outcome.</summary>
internal static class GrainTasks
{
    /// <summary>A timer's, reminder's or one-way call's command: a failure is logged where it failed and retried later, not thrown to nobody.</summary>
    /// <param name="command">The command's task.</param>
    public static async Task QuietlyAsync(Task command)
    {
        try
        {
            await command;
        }
        catch (Exception exception) when (exception is not WorkSessionException)
        {
            // Logged where it failed; the deadline timer retries the write.
        }
    }
}
