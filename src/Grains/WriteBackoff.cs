namespace WorkSessions;

/// <summary>
/// How long a grain waits before retrying a failed state write from its timer: doubling from one second up to a
/// minute, with jitter so that agents failing together do not retry together. A mutable struct held in a field of the
/// grain's <see cref="OutboxedState{TState}"/>, so it costs no object of its own.
/// </summary>
internal struct WriteBackoff
{
    private static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan Longest = TimeSpan.FromMinutes(1);

    /// <summary>Failed writes in a row.</summary>
    public int Failures { readonly get; private set; }

    /// <summary>While writes fail, the earliest time to try again; null while they succeed.</summary>
    public DateTimeOffset? RetryNotBefore { readonly get; private set; }

    /// <summary>Counts a failure and returns the pause before the next try.</summary>
    /// <param name="now">The current time.</param>
    public TimeSpan Failed(DateTimeOffset now)
    {
        Failures++;
        var exponential = First * Math.Pow(2, Math.Min(Failures - 1, 16));
        var capped = exponential < Longest ? exponential : Longest;
        var pause = capped * (0.75 + (0.5 * Random.Shared.NextDouble()));
        RetryNotBefore = now + pause;
        return pause;
    }

    public void Succeeded()
    {
        Failures = 0;
        RetryNotBefore = null;
    }
}
