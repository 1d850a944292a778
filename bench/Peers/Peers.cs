// Standalone mode: every peer figure in one run.
//   dotnet run -c Release --project bench -- peers [agents] [--postgres CONNECTION_STRING] [--seconds N] [--periods 1,5] [--grace S]
// [agents]: the storm's size (default: both 1,000 and 50,000). Heartbeats: 64 callers over 10,000 agents for N s
// (default 10). DB-row polling runs on SQLite always and on PostgreSQL with --postgres; its storm runs once per sweep
// period (default 1 s and 5 s). Redis runs when redis-server is installed (apt-get install -y redis-server), at
// hz 10 (Redis's default) and hz 100 (a tuned instance), plus the lost-notification demonstration.
using System.Globalization;

namespace WorkSessions.Bench.Peers;

/// <summary>Runs every peer and prints its figures (the benchmark suite calls the peers' classes directly).</summary>
public static class Peers
{
    /// <summary>Storm window: every deadline falls within it, as in the product's storm.</summary>
    public static readonly TimeSpan StormWindow = TimeSpan.FromSeconds(0.4);

    /// <summary>Grace period in the storm, as in the product's storm (bench/Suite/StormFigure.cs).</summary>
    public static readonly TimeSpan StormGrace = TimeSpan.FromSeconds(5);

    /// <summary>Parses the standalone arguments (after "peers"), runs every peer, prints one line per figure; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var postgres = Option(ref args, "--postgres");
        var seconds = int.Parse(Option(ref args, "--seconds") ?? "10", CultureInfo.InvariantCulture);
        var grace = TimeSpan.FromSeconds(double.Parse(Option(ref args, "--grace") ?? StormGrace.TotalSeconds.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
        var periods = (Option(ref args, "--periods") ?? "1,5").Split(',').Select(p => TimeSpan.FromSeconds(double.Parse(p, CultureInfo.InvariantCulture))).ToArray();
        int[] stormSizes = args.Length > 0 ? [int.Parse(args[0], CultureInfo.InvariantCulture)] : [1_000, 50_000];
        const int HeartbeatAgents = 10_000;
        const int Callers = 64;
        var duration = TimeSpan.FromSeconds(seconds);
        Console.WriteLine($"peers: storms of {string.Join(" and ", stormSizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))} deadlines within {StormWindow.TotalSeconds} s, grace {grace.TotalSeconds} s; heartbeats {Callers} callers over {HeartbeatAgents:N0} agents for {seconds} s; {Environment.ProcessorCount} cores");

        await using (var sqlite = await DbRowPollingPeer.CreateSqliteAsync())
        {
            await RunDatabasePeerAsync(sqlite);
        }

        if (postgres is not null)
        {
            await using var postgresPeer = await DbRowPollingPeer.CreatePostgresAsync(postgres);
            await RunDatabasePeerAsync(postgresPeer);
        }
        else
        {
            Console.WriteLine("DB-row polling (PostgreSQL): skipped (no --postgres CONNECTION_STRING)");
        }

        if (!RedisTtlPeer.IsInstalled())
        {
            Console.WriteLine("Redis TTL keys: skipped (redis-server missing: apt-get install -y redis-server)");
            return 0;
        }

        await using (var redis = await RedisTtlPeer.StartAsync(hz: 10))
        {
            Console.WriteLine(await redis.RunHeartbeatsAsync(HeartbeatAgents, Callers, duration));
            foreach (var size in stormSizes)
            {
                Console.WriteLine(await redis.RunStormAsync(size, StormWindow, grace));
            }

            Console.WriteLine(await redis.RunLostNotificationsAsync(Math.Min(stormSizes[^1], 10_000), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(2)));
        }

        await using (var tuned = await RedisTtlPeer.StartAsync(hz: 100))
        {
            foreach (var size in stormSizes)
            {
                Console.WriteLine(await tuned.RunStormAsync(size, StormWindow, grace));
            }
        }

        return 0;

        async Task RunDatabasePeerAsync(DbRowPollingPeer peer)
        {
            Console.WriteLine(await peer.RunHeartbeatsAsync(HeartbeatAgents, Callers, duration));
            foreach (var period in periods)
            {
                foreach (var size in stormSizes)
                {
                    Console.WriteLine(await peer.RunStormAsync(size, StormWindow, period, grace: grace));
                }
            }
        }
    }

    private static string? Option(ref string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0 || index + 1 >= args.Length)
        {
            return null;
        }

        var value = args[index + 1];
        args = [.. args[..index], .. args[(index + 2)..]];
        return value;
    }
}
