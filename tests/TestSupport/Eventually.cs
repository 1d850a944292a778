namespace WorkSessions.TestSupport;

/// <summary>
/// Polling for a condition that real processes and real time reach in their own time: tests wait on what they
/// observe, with a generous bound that only a broken product exceeds, never on a fixed delay.
/// </summary>
public static class Eventually
{
    /// <summary>How often the condition is checked unless a test says otherwise.</summary>
    public static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Reads <paramref name="probe"/> until <paramref name="done"/> holds for what it returned, and returns that value.
    /// </summary>
    /// <param name="probe">Reads the current value (e.g. a grain's snapshot).</param>
    /// <param name="done">Whether the value is the one the test waits for.</param>
    /// <param name="timeout">The bound; only a broken product needs longer.</param>
    /// <param name="what">What is awaited, for the failure message.</param>
    /// <param name="poll">The pause between reads; <see cref="DefaultPoll"/> when null.</param>
    /// <exception cref="TimeoutException">When <paramref name="done"/> never held; names the last value read.</exception>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);

        // Waiting is infrastructure time, on the monotonic clock.
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"Waited {timeout} for {what}; the last value read was: {value}");
            }

            await Task.Delay(poll ?? DefaultPoll);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    /// <exception cref="TimeoutException">When it never held within <paramref name="timeout"/>.</exception>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), done => done, timeout, what, poll);
    }
}
