using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using WorkSessions.Faults.Tests.Infrastructure;
using WorkSessions.TestSupport;
using Xunit.Abstractions;

namespace WorkSessions.Faults.Tests;

/// <summary>
/// Client gone with real processes (docs/architecture.md#client-presence): one silo and two Gateways on PostgreSQL,
/// <c>clientGoneSeconds</c> 15, action <c>notReady</c>. A tab closed (the stream closed by the client), a network cut
/// (a TCP proxy between client and Gateway aborted), first all on one Gateway then spread over two; then a Gateway
/// killed with SIGKILL, some agents reconnecting to the other Gateway at once (never acted on) and some not (acted on
/// exactly once). Prints the time from the dropped connection to the action, p50/p99.
/// </summary>
public sealed class ClientPresenceProcessTests(ITestOutputHelper output)
{
    private const int GoneSeconds = 15;
    private const int PerKind = 6;

    private readonly FaultRun _run = new(output, "presence");

    [Fact]
    public Task TabClosed_NetworkCut_GatewayKilled_ActOnceAfterTheThreshold_ReconnectedAgentsNever() =>
        _run.RunAsync(() => FaultCluster.StartAsync(silos: 1), RunAsync);

    private async Task RunAsync(FaultCluster cluster)
    {
        using var traffic = new Traffic(cluster);
        await cluster.WaitGatewaysReadyAsync();
        var tenant = TestIds.NewTenantId();
        var admin = traffic.Token(tenant, "admin-1", "admin");
        var preferences = new
        {
            workSessionsEnabled = true, autoEndEnabled = true, inactivityTimeoutSeconds = 3600, gracePeriodSeconds = 60,
            clientGoneSeconds = GoneSeconds, clientGoneAction = "notReady",
        };
        Assert.Equal(200, (await traffic.CallWithRetryAsync(0, HttpMethod.Put, "/api/v1/preferences/work-sessions", admin, status => status == 200, preferences)).Status);

        foreach (var gateways in new[] { 1, 2 })
        {
            var closed = await Task.WhenAll(Enumerable.Range(0, PerKind).Select(i => DropAsync(cluster, traffic, tenant, $"closed-{gateways}-{i}", i % gateways, cut: false)));
            var cut = await Task.WhenAll(Enumerable.Range(0, PerKind).Select(i => DropAsync(cluster, traffic, tenant, $"cut-{gateways}-{i}", i % gateways, cut: true)));
            _run.Figure($"{gateways} Gateway(s), tab closed: dropped connection to action {Percentiles(closed)} (clientGoneSeconds {GoneSeconds})");
            _run.Figure($"{gateways} Gateway(s), network cut (proxy aborted): dropped connection to action {Percentiles(cut)}");
            Assert.All(closed.Concat(cut), took => Assert.InRange(took.TotalSeconds, GoneSeconds - 0.5, GoneSeconds + 10));
        }

        // Gateway 0 dies with every stream on it: half the agents reconnect to Gateway 1 at once, half never do.
        var stay = await Task.WhenAll(Enumerable.Range(0, PerKind).Select(i => ConnectedAsync(traffic, tenant, $"stay-{i}", 0)));
        var move = await Task.WhenAll(Enumerable.Range(0, PerKind).Select(i => ConnectedAsync(traffic, tenant, $"move-{i}", 0)));
        var killedAt = TimeProvider.System.GetTimestamp();
        await cluster.Gateways[0].KillAsync();
        var moved = await Task.WhenAll(move.Select(async agent => (agent, await OpenStreamAsync(traffic, 1, agent.Token))));
        var acted = await Task.WhenAll(stay.Select(agent => WaitForDisconnectedAsync(traffic, 1, agent.Token, killedAt)));
        _run.Figure($"Gateway SIGKILL, no reconnect: kill to action {Percentiles(acted)} (lease {15} s, renewed every 5 s)");

        // Every agent that did not reconnect was acted on by now, so a reconnected one would have been too.
        foreach (var (agent, _) in moved)
        {
            var view = (await traffic.CallAsync(1, HttpMethod.Get, "/api/v1/me/work-session", agent.Token)).Body!;
            Assert.Equal("ready", (string?)view["status"]);
        }

        // Exactly once: one client-gone per agent that did not reconnect, none for those that did.
        await Eventually.UntilAsync(
            async () => CountGone(await FeedAsync(traffic, admin), "stay-"), gone => gone == PerKind, TimeSpan.FromSeconds(60),
            "the client-gone events in the feed", TimeSpan.FromMilliseconds(250));
        var feed = await FeedAsync(traffic, admin);
        foreach (var agent in stay)
        {
            Assert.Equal(1, feed.Count(e => (string?)e["kind"] == "client-gone" && (string?)e["agentId"] == agent.Id));
        }

        Assert.Equal(0, CountGone(feed, "move-"));
        _run.Figure($"Gateway SIGKILL: {PerKind} reconnected agents never acted on; {PerKind} others acted on exactly once");
        foreach (var (_, stream) in moved)
        {
            stream.Dispose();
        }
    }

    private static int CountGone(IReadOnlyList<JsonNode> feed, string prefix) =>
        feed.Count(e => (string?)e["kind"] == "client-gone" && ((string?)e["agentId"])!.StartsWith(prefix, StringComparison.Ordinal));

    private static async Task<IReadOnlyList<JsonNode>> FeedAsync(Traffic traffic, string admin)
    {
        var page = (await traffic.CallAsync(1, HttpMethod.Get, "/api/v1/events?limit=1000", admin)).Body;
        return page?["items"]?.AsArray().Select(e => e!).ToList() ?? [];
    }

    private sealed record Agent(string Id, string Token);

    private static async Task<Agent> ConnectedAsync(Traffic traffic, string tenant, string id, int gateway)
    {
        var agent = new Agent(id, traffic.Token(tenant, id, "agent"));
        Assert.Equal(201, (await traffic.CallWithRetryAsync(gateway, HttpMethod.Post, "/api/v1/me/work-session", agent.Token, status => status == 201)).Status);
        var stream = await OpenStreamAsync(traffic, gateway, agent.Token);
        // Left open: the Gateway's death closes it.
        _ = stream;
        return agent;
    }

    /// <summary>Opens a stream and reads up to its snapshot, after which the Gateway has announced it to the agent.</summary>
    private static async Task<HttpResponseMessage> OpenStreamAsync(Traffic traffic, int gateway, string token)
    {
        var response = await traffic.OpenStreamAsync(gateway, token, CancellationToken.None) ?? throw new InvalidOperationException("no stream");
        await ReadSnapshotAsync(await response.Content.ReadAsStreamAsync());
        return response;
    }

    internal static async Task ReadSnapshotAsync(Stream body)
    {
        var reader = new StreamReader(body);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line == "event: snapshot")
            {
                return;
            }
        }
    }

    /// <summary>Starts a session, opens a stream, drops it (closed, or cut at a proxy), and times the action.</summary>
    private static async Task<TimeSpan> DropAsync(FaultCluster cluster, Traffic traffic, string tenant, string id, int gateway, bool cut)
    {
        var token = traffic.Token(tenant, id, "agent");
        Assert.Equal(201, (await traffic.CallWithRetryAsync(gateway, HttpMethod.Post, "/api/v1/me/work-session", token, status => status == 201)).Status);
        long droppedAt;
        if (cut)
        {
            using var proxy = new AbortingProxy(cluster.Gateways[gateway].Port);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{proxy.Port.ToString(CultureInfo.InvariantCulture)}/"), Timeout = Timeout.InfiniteTimeSpan };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me/events");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await ReadSnapshotAsync(await response.Content.ReadAsStreamAsync());
            droppedAt = TimeProvider.System.GetTimestamp();
            proxy.Abort();
        }
        else
        {
            using var response = await OpenStreamAsync(traffic, gateway, token);
            droppedAt = TimeProvider.System.GetTimestamp();
        }

        return await WaitForDisconnectedAsync(traffic, gateway, token, droppedAt);
    }

    /// <summary>Waits until the agent's view says it was set Disconnected; returns how long after <paramref name="since"/> it read so.</summary>
    private static async Task<TimeSpan> WaitForDisconnectedAsync(Traffic traffic, int gateway, string token, long since)
    {
        await Eventually.UntilAsync(
            async () => (string?)(await traffic.CallAsync(gateway, HttpMethod.Get, "/api/v1/me/work-session", token)).Body?["statusReason"],
            reason => reason == "Disconnected",
            TimeSpan.FromSeconds(GoneSeconds + 60) - TimeProvider.System.GetElapsedTime(since),
            "the client-gone action",
            TimeSpan.FromMilliseconds(100));
        return TimeProvider.System.GetElapsedTime(since);
    }

    internal static string Percentiles(IEnumerable<TimeSpan> samples)
    {
        var sorted = samples.Select(s => s.TotalSeconds).Order().ToList();
        double At(double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        return $"p50 {At(0.5):F1} s, p99 {At(0.99):F1} s (n={sorted.Count})";
    }

    /// <summary>A one-connection TCP proxy on loopback whose <see cref="Abort"/> resets both sides, as a dropped network does to the server.</summary>
    private sealed class AbortingProxy : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _sockets = [];

        public AbortingProxy(int target)
        {
            _listener.Start();
            _ = RunAsync(target);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        private async Task RunAsync(int target)
        {
            var client = await _listener.AcceptSocketAsync();
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(IPAddress.Loopback, target);
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }

            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }

        private static async Task PumpAsync(Socket from, Socket to)
        {
            var buffer = new byte[8192];
            try
            {
                while (await from.ReceiveAsync(buffer) is > 0 and var read)
                {
                    await to.SendAsync(buffer.AsMemory(0, read));
                }
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
            {
                // Aborted.
            }
        }

        public void Abort()
        {
            lock (_sockets)
            {
                foreach (var socket in _sockets)
                {
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                }

                _sockets.Clear();
            }
        }

        public void Dispose()
        {
            Abort();
            _listener.Stop();
        }
    }
}
