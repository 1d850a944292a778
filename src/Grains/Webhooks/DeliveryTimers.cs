namespace WorkSessions.Webhooks;

/// <summary>
/// An endpoint grain's two timers (docs/architecture.md#webhooks): the poll, which reads the feed every poll interval
/// while the endpoint delivers (a missed wake-up costs at most one interval), and the retry, armed for a failed event's
/// next attempt. Not thread-safe: the grain's turns serialize it.
/// </summary>
internal sealed class DeliveryTimers(Grain grain, Func<Task> poll, Func<Task> retry)
{
    private IGrainTimer? _poll;
    private IGrainTimer? _retry;
    private DateTimeOffset? _retryArmedFor;

    /// <summary>Starts the poll, due at once and then every <paramref name="interval"/>; false when it runs already.</summary>
    public bool StartPolling(TimeSpan interval)
    {
        if (_poll is not null)
        {
            return false;
        }

        _poll = grain.RegisterGrainTimer(
            static (callback, _) => callback(), poll, new GrainTimerCreationOptions(TimeSpan.Zero, interval) { KeepAlive = true });
        return true;
    }

    /// <summary>Arms the retry for <paramref name="due"/>, unless it is armed for that moment already.</summary>
    public void ArmRetry(DateTimeOffset due, DateTimeOffset now)
    {
        if (_retryArmedFor == due)
        {
            return;
        }

        _retry?.Dispose();
        _retryArmedFor = due;
        _retry = grain.RegisterGrainTimer(
            static (callback, _) => callback(), retry, new GrainTimerCreationOptions(due - now, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    /// <summary>Disarms the retry: the event it was for is no longer the next (a replay, a new URL or kinds).</summary>
    public void CancelRetry()
    {
        _retry?.Dispose();
        _retry = null;
        _retryArmedFor = null;
    }

    /// <summary>Stops both timers.</summary>
    public void Stop()
    {
        _poll?.Dispose();
        _poll = null;
        CancelRetry();
    }
}
