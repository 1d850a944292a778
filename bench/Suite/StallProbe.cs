using System.Diagnostics;
using System.Globalization;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// Watches the process for stalls: a 100 ms timer's continuation on the thread pool that runs more than a second late
/// means nothing in the process ran (a garbage collection that suspends every thread) or the thread pool had no free
/// thread. Each stall is logged with when it came and how much of it the garbage collector's own pauses explain
/// (<see cref="GC.GetTotalPauseDuration"/> across it), so a timed-out grain call can be told apart from a paused runtime.
/// </summary>
internal sealed class StallProbe : IAsyncDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Reported = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _sinceStart = Stopwatch.StartNew();
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly List<Stall> _stalls = [];

    public StallProbe() => _loop = Task.Run(WatchAsync);

    /// <summary>One stall: when it ended (seconds since the probe started), how long, how much of it was GC pause.</summary>
    public sealed record Stall(double AtSeconds, TimeSpan Length, TimeSpan GcPause)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Length.TotalSeconds:N1} s at {AtSeconds:N0} s ({GcPause.TotalSeconds:N1} s of it GC pause)");
    }

    /// <summary>The stalls seen since <paramref name="fromSeconds"/> (seconds since the probe started).</summary>
    public IReadOnlyList<Stall> StallsSince(double fromSeconds)
    {
        lock (_gate)
        {
            return _stalls.Where(s => s.AtSeconds >= fromSeconds).ToList();
        }
    }

    public double Now => _sinceStart.Elapsed.TotalSeconds;

    private async Task WatchAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var before = Stopwatch.GetTimestamp();
            var pausedBefore = GC.GetTotalPauseDuration();
            try
            {
                await Task.Delay(Period, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var late = Stopwatch.GetElapsedTime(before) - Period;
            if (late >= Reported)
            {
                var stall = new Stall(Now, late, GC.GetTotalPauseDuration() - pausedBefore);
                lock (_gate)
                {
                    _stalls.Add(stall);
                }

                Measure.Log($"stall: {stall}; gen2 collections so far {GC.CollectionCount(2)}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
