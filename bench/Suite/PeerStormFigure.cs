#if BENCH_PEERS
using WorkSessions.Bench.Peers;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// <c>suite peer-storm --peer dbrow|redis --agents N [--postgres CS] [--grace S]</c>: one peer's deadline storm (every
/// deadline within 0.4 s, the product storm's grace period) and its heartbeats (64 callers, writes per heartbeat).
/// </summary>
internal static class PeerStormFigure
{
    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var agents = arguments.Int("--agents", 1000);
        var grace = TimeSpan.FromSeconds(arguments.Int("--grace", StormFigure.GraceSeconds));
        var heartbeatSeconds = TimeSpan.FromSeconds(arguments.Int("--heartbeat-seconds", 5));
        var heartbeatAgents = Math.Min(agents, 10_000);
        StormResult storm;
        HeartbeatResult heartbeats;
        if (arguments.Value("--peer") == "redis")
        {
            await using var redis = await RedisTtlPeer.StartAsync();
            storm = await redis.RunStormAsync(agents, Peers.Peers.StormWindow, grace);
            heartbeats = await redis.RunHeartbeatsAsync(heartbeatAgents, 64, heartbeatSeconds);
        }
        else
        {
            await using var database = arguments.Value("--postgres") is { } postgres
                ? await DbRowPollingPeer.CreatePostgresAsync(postgres)
                : await DbRowPollingPeer.CreateSqliteAsync();
            storm = await database.RunStormAsync(agents, Peers.Peers.StormWindow, grace: grace);
            heartbeats = await database.RunHeartbeatsAsync(heartbeatAgents, 64, heartbeatSeconds);
        }

        Measure.Log(storm.ToString());
        Measure.Log(heartbeats.ToString());
        Measure.Report("peer.warn.p50", storm.Warning.P50);
        Measure.Report("peer.warn.p99", storm.Warning.P99);
        Measure.Report("peer.warn.max", storm.Warning.Max);
        Measure.Report("peer.end.p50", storm.End.P50);
        Measure.Report("peer.end.p99", storm.End.P99);
        Measure.Report("peer.missing", 2 * agents - storm.Warned - storm.Ended);
        Measure.Report("peer.heartbeat_per_s", heartbeats.PerSecond);
        Measure.Report("peer.writes_per_heartbeat", heartbeats.WritesPerHeartbeat);
        return 0;
    }
}
#endif
