// Peer (b): a Redis key per agent with the inactivity TTL, renewed by every heartbeat, and keyspace-expiry
// notifications for deadlines. API (see PeerResults.cs): StartAsync(hz) starts a private redis-server (Debian's,
// `apt-get install -y redis-server`) on 127.0.0.1 at a free port with --save "" --appendonly no
// --notify-keyspace-events Ex, and DisposeAsync stops it; RunHeartbeatsAsync, RunStormAsync(agents, window, grace).
//
// As a competent team builds it: one multiplexed connection pipelines every caller's SET (StackExchange.Redis sends
// concurrent commands without waiting for replies), a separate connection subscribes to __keyevent@0__:expired, and the
// warning handler arms the grace key with a fire-and-forget SET … PXAT (absolute, so the grace period is exact).
// Redis raises the expiry event only when it deletes the key: when a client touches it, or when its active expiry
// cycle samples it (hz times a second, 20 keys a sample, repeating while more than 10% of a sample had expired).
// The event is pub/sub: delivered at most once to whoever is subscribed at that moment.
using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace WorkSessions.Bench.Peers;

/// <summary>The Redis TTL-key peer, on a private redis-server process it starts and stops.</summary>
public sealed class RedisTtlPeer : IAsyncDisposable
{
    private static readonly RedisChannel ExpiredChannel = RedisChannel.Literal("__keyevent@0__:expired");

    private readonly Process _server;
    private readonly ConnectionMultiplexer _commands;
    private readonly ConnectionMultiplexer _subscriptions;
    private readonly int _hz;

    private RedisTtlPeer(Process server, ConnectionMultiplexer commands, ConnectionMultiplexer subscriptions, int hz)
    {
        _server = server;
        _commands = commands;
        _subscriptions = subscriptions;
        _hz = hz;
    }

    /// <summary>"Redis TTL keys (hz 10)".</summary>
    public string Name => string.Create(CultureInfo.InvariantCulture, $"Redis TTL keys (hz {_hz})");

    /// <summary>True when Debian's redis-server is on the PATH.</summary>
    public static bool IsInstalled() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "redis-server")));

    /// <summary>Starts a private redis-server on 127.0.0.1 (free port, no persistence, expiry events on) and connects.</summary>
    /// <param name="hz">Redis's <c>hz</c>: how often a second the active expiry cycle runs (Redis's default is 10).</param>
    public static async Task<RedisTtlPeer> StartAsync(int hz = 10)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            "--bind", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no",
            "--notify-keyspace-events", "Ex", "--hz", hz.ToString(CultureInfo.InvariantCulture), "--daemonize", "no", "--loglevel", "warning",
        })
        {
            start.ArgumentList.Add(argument);
        }

        Process server;
        try
        {
            server = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is missing: apt-get install -y redis-server", e);
        }

        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var endpoint = "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var options = ConfigurationOptions.Parse(endpoint);
                options.AllowAdmin = true;
                var commands = await ConnectionMultiplexer.ConnectAsync(options);
                var subscriptions = await ConnectionMultiplexer.ConnectAsync(endpoint);
                return new RedisTtlPeer(server, commands, subscriptions, hz);
            }
            catch (RedisConnectionException) when (watch.Elapsed < TimeSpan.FromSeconds(20) && !server.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>
    /// <paramref name="callers"/> concurrent callers send heartbeats to random agents among <paramref name="agents"/> for
    /// <paramref name="duration"/>; each heartbeat is one SET with a TTL. The writes are Redis's own count of SET calls (INFO commandstats).
    /// </summary>
    public async Task<HeartbeatResult> RunHeartbeatsAsync(int agents, int callers, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var database = _commands.GetDatabase();
        await database.ExecuteAsync("FLUSHDB");
        var inactivity = TimeSpan.FromMinutes(30);
        var setsBefore = await SetCallsAsync();
        long heartbeats = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller);
            while (watch.Elapsed < duration && !cancellationToken.IsCancellationRequested)
            {
                await database.StringSetAsync("ws:hb:" + AgentId(random.Next(agents)), "1", inactivity);
                Interlocked.Increment(ref heartbeats);
            }
        }, cancellationToken)));
        var elapsed = watch.Elapsed;
        var writes = await SetCallsAsync() - setsBefore;
        return new HeartbeatResult(Name, agents, callers, elapsed, heartbeats, writes);
    }

    /// <summary>
    /// A deadline storm: <paramref name="agents"/> keys expiring evenly within <paramref name="window"/>; each expiry
    /// event is a warning, which arms the agent's grace key (<paramref name="grace"/>, default <see cref="Peers.StormGrace"/>), whose expiry ends it.
    /// </summary>
    public async Task<StormResult> RunStormAsync(int agents, TimeSpan window, TimeSpan? grace = null, CancellationToken cancellationToken = default)
    {
        var gracePeriod = grace ?? Peers.StormGrace;
        var storm = await StormAsync(agents, window, gracePeriod, cancellationToken);
        return new StormResult(
            Name, agents, window, gracePeriod, Lateness.From(storm.WarningLateness), Lateness.From(storm.EndLateness),
            storm.WarningLateness.Count, storm.EndLateness.Count, TimeSpan.Zero, storm.Note);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _subscriptions.DisposeAsync();
        await _commands.DisposeAsync();
        if (!_server.HasExited)
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }

        _server.Dispose();
    }

    private sealed record StormRun(ConcurrentBag<double> WarningLateness, ConcurrentBag<double> EndLateness, string Note);

    private async Task<StormRun> StormAsync(int agents, TimeSpan window, TimeSpan grace, CancellationToken cancellationToken)
    {
        // The keyspace holds the storm's keys only, as the product's storm has only its own sessions.
        var database = _commands.GetDatabase();
        await database.ExecuteAsync("FLUSHDB");
        var run = Guid.NewGuid().ToString("N")[..8];
        var warnPrefix = $"ws:{run}:warn:";
        var endPrefix = $"ws:{run}:end:";
        var deadlines = new long[agents];
        var graceDeadlines = new long[agents];
        var warned = new int[agents];
        var warningLateness = new ConcurrentBag<double>();
        var endLateness = new ConcurrentBag<double>();
        var remaining = 2 * agents;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        void OnExpired(RedisChannel channel, RedisValue message)
        {
            var receivedAt = BenchClock.NowMicroseconds();
            var key = (string)message!;
            var warning = key.StartsWith(warnPrefix, StringComparison.Ordinal);
            if (!warning && !key.StartsWith(endPrefix, StringComparison.Ordinal))
            {
                return;
            }

            var agent = int.Parse(key.AsSpan(key.LastIndexOf('-') + 1), CultureInfo.InvariantCulture);
            if (warning)
            {
                if (Interlocked.Exchange(ref warned[agent], 1) == 1)
                {
                    return;
                }

                warningLateness.Add((receivedAt - deadlines[agent] * 1000) / 1000.0);
                var graceDeadline = receivedAt / 1000 + (long)grace.TotalMilliseconds;
                Volatile.Write(ref graceDeadlines[agent], graceDeadline);
                _ = database.ExecuteAsync("SET", [endPrefix + AgentId(agent), "1", "PXAT", graceDeadline], CommandFlags.FireAndForget);
            }
            else
            {
                endLateness.Add((receivedAt - Volatile.Read(ref graceDeadlines[agent]) * 1000) / 1000.0);
            }

            if (Interlocked.Decrement(ref remaining) == 0)
            {
                done.TrySetResult();
            }
        }

        var subscriber = _subscriptions.GetSubscriber();
        await subscriber.SubscribeAsync(ExpiredChannel, OnExpired);
        try
        {
            // Deadlines in whole milliseconds (PXAT's unit), evenly over the window, after a lead long enough for the
            // pipelined SETs to land first (seeding runs at well over 50k SETs/s).
            var firstDeadline = BenchClock.NowMicroseconds() / 1000 + 1_000 + agents / 20;
            for (var i = 0; i < agents; i++)
            {
                deadlines[i] = firstDeadline + (long)(window.TotalMilliseconds * i / agents);
            }

            await Task.WhenAll(Enumerable.Range(0, agents).Select(i =>
                database.ExecuteAsync("SET", [warnPrefix + AgentId(i), "1", "PXAT", deadlines[i]], CommandFlags.None)));
            var note = BenchClock.NowMicroseconds() / 1000 > firstDeadline ? "set-up overran the first deadline" : "";

            // Until every warning and auto-end has arrived; an event that never comes leaves its agent missing.
            var bound = Stopwatch.StartNew();
            while (!done.Task.IsCompleted && bound.Elapsed < window + TimeSpan.FromMinutes(2) && !cancellationToken.IsCancellationRequested)
            {
                await Task.WhenAny(done.Task, Task.Delay(250, cancellationToken));
            }

            return new StormRun(warningLateness, endLateness, note);
        }
        finally
        {
            await subscriber.UnsubscribeAsync(ExpiredChannel, OnExpired);
        }
    }

    private async Task<long> SetCallsAsync()
    {
        // StackExchange.Redis sends a SET with a TTL as SETEX or PSETEX (the same single write), so all three count.
        var info = (string)(await _commands.GetDatabase().ExecuteAsync("INFO", "commandstats"))!;
        return info.Split('\n')
            .Where(l => l.StartsWith("cmdstat_set:", StringComparison.Ordinal) || l.StartsWith("cmdstat_setex:", StringComparison.Ordinal) || l.StartsWith("cmdstat_psetex:", StringComparison.Ordinal))
            .Sum(l => long.Parse(l.Split(',')[0][(l.IndexOf("calls=", StringComparison.Ordinal) + "calls=".Length)..], CultureInfo.InvariantCulture));
    }

    private static string AgentId(int i) => "agent-" + i.ToString(CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
