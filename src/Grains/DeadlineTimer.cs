namespace WorkSessions;

/// <summary>
/// The agent grain's one timer, due at its next deadline or, while writes fail, not before the write backoff allows
/// (docs/architecture.md#timers-and-reminders). A mutable struct held in a field of the grain: one per agent
/// activation, so it costs no object of its own. Not thread-safe: the grain's turns serialize it.
/// </summary>
internal struct DeadlineTimer
{
    private IGrainTimer? _timer;
    private DateTimeOffset? _dueAt;

    /// <summary>The timer fired (or must be armed anew whatever it was armed for): the next <see cref="Arm"/> re-arms it.</summary>
    public void Reset() => _dueAt = null;

    /// <summary>Arms the timer for <paramref name="deadline"/>, or disposes it when there is none.</summary>
    /// <param name="deadline">The state's next deadline, if any.</param>
    /// <param name="notBefore">While writes fail, the earliest time to try again.</param>
    /// <param name="now">The current time.</param>
    /// <param name="register">Registers the grain's one-shot timer with the given due time.</param>
    public void Arm(DateTimeOffset? deadline, DateTimeOffset? notBefore, DateTimeOffset now, Func<TimeSpan, IGrainTimer> register)
    {
        if (deadline is not { } next)
        {
            // Disposed rather than parked: a kept-alive timer would pin an idle grain in memory.
            Dispose();
            return;
        }

        if (notBefore is { } retry && retry > next)
        {
            next = retry;
        }

        if (_dueAt is { } armed && armed <= next)
        {
            // Activity only moves deadlines later: the timer fires early and re-arms, instead of churning per heartbeat.
            return;
        }

        var dueTime = next > now ? next - now : TimeSpan.Zero;
        if (_timer is null)
        {
            _timer = register(dueTime);
        }
        else
        {
            _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }

        _dueAt = next;
    }

    /// <summary>Stops the timer.</summary>
    public void Dispose()
    {
        _timer?.Dispose();
        _timer = null;
        _dueAt = null;
    }
}
