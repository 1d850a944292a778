namespace WorkSessions.Webhooks;

/// <summary>
/// When a failed event is tried again (DESIGN §10): after the n-th failed attempt, the n-th delay (the last one repeats),
/// never later than the end of the retry window counted from the event's first failure; a failure at or after that end
/// makes the endpoint <c>failing</c>.
/// </summary>
/// <param name="Delays">The delays after the first, second, … failure; at least one.</param>
/// <param name="Window">How long an event is retried from its first failure.</param>
internal sealed record RetrySchedule(IReadOnlyList<TimeSpan> Delays, TimeSpan Window)
{
    /// <summary>The next attempt after a failure, or null when the window is over and the endpoint is failing.</summary>
    /// <param name="failedAttempts">Attempts of this event that failed so far, 1 or more.</param>
    /// <param name="firstFailureAt">When its first attempt failed.</param>
    /// <param name="now">When the latest one failed.</param>
    public DateTimeOffset? NextAttempt(int failedAttempts, DateTimeOffset firstFailureAt, DateTimeOffset now)
    {
        var giveUpAt = firstFailureAt + Window;
        if (now >= giveUpAt)
        {
            return null;
        }

        var next = now + Delays[Math.Clamp(failedAttempts - 1, 0, Delays.Count - 1)];
        return next < giveUpAt ? next : giveUpAt;
    }
}
