using System.Globalization;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// The peers of bench/Peers (what teams build instead) in the same run as the product's storm: a database row per agent
/// with a polling sweep (SQLite, and PostgreSQL when given), and Redis keys with a TTL and expiry notifications (when
/// <c>redis-server</c> is installed). Each runs in a fresh process: <c>suite peer-storm</c>.
/// </summary>
internal static class PeerJobs
{
    /// <summary>True when this build has the peers (bench/Peers is part of the project).</summary>
    public static bool Built =>
#if BENCH_PEERS
        true;
#else
        false;
#endif

    public static IEnumerable<SuiteJob> For(SuiteSizes sizes, string? postgres, string? redis)
    {
        if (!Built)
        {
            Console.Error.WriteLine("suite: the peers (bench/Peers) are not part of this build; their columns stay empty");
            yield break;
        }

        string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        var grace = N(sizes.StormGrace);
        var peers = new List<(string Key, string[] Args)> { ("dbrow.sqlite", ["--peer", "dbrow"]) };
        if (postgres is not null)
        {
            peers.Add(("dbrow.postgres", ["--peer", "dbrow", "--postgres", postgres]));
        }

        if (redis is not null || RedisOnPath())
        {
            peers.Add(("redis", ["--peer", "redis"]));
        }

        foreach (var (key, args) in peers)
        {
            foreach (var (size, agents) in new[] { ("big", sizes.StormAgents), ("small", sizes.SmallStormAgents) })
            {
                yield return new($"peer.{key}.{size}", () => ChildProcess.RunFigureAsync($"peer {key} {agents}", sizes.ChildBound,
                    ["peer-storm", "--agents", N(agents), "--grace", grace, "--heartbeat-seconds", N(sizes.CallSeconds), .. args]));
            }
        }
    }

    private static bool RedisOnPath() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "redis-server")));
}
