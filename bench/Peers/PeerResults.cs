// The peers' API, for the benchmark suite (bench/Suite/PeerStormFigure.cs):
//
//   await using var sqlite = await DbRowPollingPeer.CreateSqliteAsync();                 // temp file, WAL, synchronous=NORMAL
//   await using var postgres = await DbRowPollingPeer.CreatePostgresAsync(connectionString);
//   await using var redis = await RedisTtlPeer.StartAsync();                            // private redis-server on 127.0.0.1
//
//   HeartbeatResult h = await peer.RunHeartbeatsAsync(agents: 10_000, callers: 64, duration: TimeSpan.FromSeconds(10));
//   StormResult s = await peer.RunStormAsync(agents: 50_000, window: TimeSpan.FromSeconds(0.4));   // DB peer: sweepPeriod: 1 s default
//
// Every peer is independent of the product (no grain, no Orleans): they are what a team builds instead of it.
// Times are a bench clock (BenchClock): Unix microseconds read from a Stopwatch anchored once, so they are monotonic
// and comparable with Redis's own clock (wall time on the same machine).
using System.Diagnostics;
using System.Globalization;

namespace WorkSessions.Bench.Peers;

/// <summary>Heartbeats from concurrent callers against a peer: the throughput and what each one cost in storage.</summary>
/// <param name="Peer">The peer's name, e.g. "DB-row polling (SQLite)".</param>
/// <param name="Agents">Distinct agents the heartbeats were spread over (uniformly at random).</param>
/// <param name="Callers">Concurrent callers, each awaiting its heartbeat before sending the next.</param>
/// <param name="Duration">How long the callers ran.</param>
/// <param name="Heartbeats">Heartbeats completed.</param>
/// <param name="StorageWrites">Writes counted by the store for those heartbeats (rows updated, or Redis SET calls).</param>
public sealed record HeartbeatResult(string Peer, int Agents, int Callers, TimeSpan Duration, long Heartbeats, long StorageWrites)
{
    /// <summary>Heartbeats per second over the run.</summary>
    public double PerSecond => Heartbeats / Duration.TotalSeconds;

    /// <summary>Storage writes per heartbeat (1 by construction for every peer; counted, not assumed).</summary>
    public double WritesPerHeartbeat => Heartbeats == 0 ? double.NaN : (double)StorageWrites / Heartbeats;

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Peer}: {PerSecond:N0} heartbeats/s ({Callers} callers, {Agents:N0} agents, {Duration.TotalSeconds:N1} s), {WritesPerHeartbeat:N2} storage writes per heartbeat");
}

/// <summary>A sorted sample of lateness in milliseconds (how long after its deadline something happened).</summary>
/// <param name="Count">Samples.</param>
/// <param name="P50">Median, ms.</param>
/// <param name="P99">99th percentile, ms.</param>
/// <param name="Max">Largest, ms.</param>
public sealed record Lateness(int Count, double P50, double P99, double Max)
{
    /// <summary>Summarises a sample (any order) of lateness in milliseconds.</summary>
    public static Lateness From(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        return sorted.Length == 0
            ? new Lateness(0, double.NaN, double.NaN, double.NaN)
            : new Lateness(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted[^1]);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"p50 {P50:N0} ms, p99 {P99:N0} ms, max {Max:N0} ms");

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}

/// <summary>
/// A deadline storm against a peer: every agent's inactivity deadline falls inside <paramref name="Window"/>; the peer
/// warns each agent (its prompt), then ends the session when the grace period after the warning has passed.
/// </summary>
/// <param name="Peer">The peer's name and its setting (sweep period, Redis hz).</param>
/// <param name="Agents">Agents in the storm.</param>
/// <param name="Window">The span over which the inactivity deadlines were spread evenly.</param>
/// <param name="Grace">Grace period: end deadline = warning time + grace.</param>
/// <param name="Warning">Warning time − inactivity deadline, where the warning time is when the peer's application knows
/// the agent is warned (the sweep's batch committed; the expiry notification arrived).</param>
/// <param name="End">End time − grace deadline, measured the same way.</param>
/// <param name="Warned">Agents warned.</param>
/// <param name="Ended">Agents ended.</param>
/// <param name="LongestSweep">DB peers: the longest sweep (every batch of one pass); zero for Redis.</param>
/// <param name="Note">What else the run showed (e.g. set-up overran the first deadline).</param>
public sealed record StormResult(
    string Peer, int Agents, TimeSpan Window, TimeSpan Grace, Lateness Warning, Lateness End, int Warned, int Ended, TimeSpan LongestSweep, string Note = "")
{
    /// <inheritdoc />
    public override string ToString() =>
        FormattableString.Invariant($"{Peer}: storm of {Agents:N0} deadlines within {Window.TotalSeconds:N1} s: warning lateness {Warning}; end lateness {End}; warned {Warned:N0}, ended {Ended:N0}")
        + (LongestSweep > TimeSpan.Zero ? FormattableString.Invariant($"; longest sweep {LongestSweep.TotalMilliseconds:N0} ms") : "")
        + (Note.Length > 0 ? $" ({Note})" : "");
}

/// <summary>Unix microseconds from a <see cref="Stopwatch"/> anchored once to the wall clock: monotonic within a run.</summary>
public static class BenchClock
{
    private static readonly long AnchorMicroseconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    private static readonly long AnchorTimestamp = Stopwatch.GetTimestamp();

    /// <summary>Now, in Unix microseconds.</summary>
    public static long NowMicroseconds() => AnchorMicroseconds + Stopwatch.GetElapsedTime(AnchorTimestamp).Ticks / 10;

    /// <summary>Waits until the bench clock reaches <paramref name="unixMicroseconds"/> (returns at once when past).</summary>
    public static Task DelayUntilAsync(long unixMicroseconds, CancellationToken cancellationToken = default)
    {
        var wait = unixMicroseconds - NowMicroseconds();
        return wait <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromTicks(wait * 10), cancellationToken);
    }
}
