using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using WorkSessions.Faults.Tests.Infrastructure;
using WorkSessions.Gateway.Auth;
using WorkSessions.Gateway.Hosting;
using WorkSessions.TestSupport;
using Xunit.Abstractions;

namespace WorkSessions.Faults.Tests;

/// <summary>
/// Client gone for a client that vanishes without a FIN or an RST — a laptop that sleeps, a Wi-Fi that drops
/// (docs/architecture.md#client-presence). A cohosted Gateway on SQLite and its agents' event streams share a private
/// network namespace whose loopback then goes down, so the Gateway's keep-alive comments go unacknowledged and nothing
/// closes the streams. With <see cref="GatewayOptions.DeadConnectionTimeout"/> the Gateway aborts them and each agent
/// gets <c>clientGoneAction</c> once; without it Linux keeps them open for about 15 minutes. The test watches the agents
/// through a Unix socket, which the silent network does not carry, and prints the time from the silence to the Gateway
/// aborting the stream (the event's <c>goneSince</c>) and to the action, p50/p99, with the product's defaults.
/// </summary>
public sealed class SilentClientProcessTests(ITestOutputHelper output)
{
    private const int GoneSeconds = 15;
    private const int Agents = 8;

    /// <summary>Far beyond the defaults' worst case (about 45 s), far below what Linux alone takes (about 15 min).</summary>
    private static readonly TimeSpan NeverBound = TimeSpan.FromMinutes(3);

    private static readonly GatewayOptions Defaults = new();

    private readonly FaultRun _run = new(output, "presence");

    [Fact]
    public async Task NetworkVanishesSilently_TheGatewayAbortsTheStreams_AndActsOnceAfterTheThreshold()
    {
        using var network = await NetworkNamespace.CreateAsync();
        var directory = Directory.CreateTempSubdirectory("ws-silent-").FullName;
        var socketPath = Path.Combine(directory, "gateway.sock");
        var ports = LoopbackPorts.Take(2);
        await using var gateway = await GatewayProcess.StartAsync(
            "Production",
            [
                $"Auth:SigningKey={FaultCluster.SigningKey}",
                $"Auth:Issuer={FaultCluster.Issuer}",
                $"Auth:Audience={FaultCluster.Audience}",
                $"Orleans:SiloPort={ports[0]}",
                $"Orleans:GatewayPort={ports[1]}",
                $"Orleans:ClusterId={TestIds.New("silent")}",
                "Storage:Provider=sqlite",
                $"Storage:ConnectionString=Data Source={Path.Combine(directory, "work-sessions.db")}",
                "Dashboard:Enabled=false",
                "Logging:LogLevel:Orleans=Error",
            ],
            directory,
            launcher: network.Launcher,
            unixSocket: socketPath);
        try
        {
            await RunAsync(network, gateway, socketPath);
        }
        catch
        {
            var log = gateway.Output;
            output.WriteLine($"--- gateway ---\n{(log.Length > 6000 ? log[^6000..] : log)}");
            throw;
        }
    }

    private async Task RunAsync(NetworkNamespace network, GatewayProcess gateway, string socketPath)
    {
        var run = TimeProvider.System.GetTimestamp();
        using var control = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectCallback = (_, cancel) => ConnectUnixAsync(socketPath, cancel) })
        {
            BaseAddress = new Uri("http://localhost/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        using var streams = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, cancel) =>
                new NetworkStream(await network.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancel), ownsSocket: true),
        })
        {
            BaseAddress = gateway.Address,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        await Eventually.UntilAsync(() => StatusAsync(control, "health/ready"), status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(90), "the Gateway to be ready");

        var tokens = new TokenIssuer(new AuthOptions { SigningKey = FaultCluster.SigningKey, Issuer = FaultCluster.Issuer, Audience = FaultCluster.Audience }, TimeProvider.System);
        var tenant = TestIds.NewTenantId();
        var admin = tokens.Issue(tenant, "admin-1", ["admin"], TimeSpan.FromHours(2));
        var preferences = new
        {
            workSessionsEnabled = true, autoEndEnabled = true, inactivityTimeoutSeconds = 3600, gracePeriodSeconds = 60,
            clientGoneSeconds = GoneSeconds, clientGoneAction = "notReady",
        };
        Assert.Equal(200, (await CallAsync(control, HttpMethod.Put, "/api/v1/preferences/work-sessions", admin, preferences)).Status);

        // The streams open spread over one keep-alive interval, so the silence finds them at every point of their
        // keep-alive cycle, as it would find real clients.
        var agents = new List<(string Id, string Token, HttpResponseMessage Stream)>();
        for (var i = 0; i < Agents; i++)
        {
            if (i > 0)
            {
                await Task.Delay(Defaults.EventStreamKeepAlive / Agents);
            }

            var id = $"silent-{i.ToString(CultureInfo.InvariantCulture)}";
            var token = tokens.Issue(tenant, id, ["agent"], TimeSpan.FromHours(2));
            Assert.Equal(201, (await CallAsync(control, HttpMethod.Post, "/api/v1/me/work-session", token)).Status);
            agents.Add((id, token, await OpenStreamAsync(streams, token)));
        }

        // The accepted streams as the kernel sees them: the listen socket's keep-alive (and user timeout) are inherited.
        output.WriteLine((await network.RunInsideAsync("ss", "-tieon", "state", "established", $"( sport = :{gateway.Port.ToString(CultureInfo.InvariantCulture)} )")).Output);

        var silencedAt = TimeProvider.System.GetTimestamp();
        var silencedAtUtc = DateTimeOffset.UtcNow;
        IReadOnlyList<TimeSpan> acted;
        try
        {
            await network.SetLoopbackAsync(up: false);
            acted = await Task.WhenAll(agents.Select(agent => WaitForDisconnectedAsync(control, agent.Id, agent.Token, silencedAt)));
        }
        finally
        {
            await network.SetLoopbackAsync(up: true);
        }

        var feed = await FeedAsync(control, admin);
        var noticed = new List<TimeSpan>();
        foreach (var agent in agents)
        {
            var gone = Assert.Single(feed, e => (string?)e["kind"] == "client-gone" && (string?)e["agentId"] == agent.Id);
            Assert.Equal("notReady", (string?)gone["action"]);
            noticed.Add(DateTimeOffset.Parse((string)gone["goneSince"]!, CultureInfo.InvariantCulture) - silencedAtUtc);
            agent.Stream.Dispose();
        }

        var timeout = Defaults.DeadConnectionTimeout;
        var keepAlive = Defaults.EventStreamKeepAlive;
        _run.Figure(
            $"network vanished silently (loopback down, no FIN or RST), 1 cohosted Gateway: silence to stream aborted "
            + $"{ClientPresenceProcessTests.Percentiles(noticed)}; silence to action {ClientPresenceProcessTests.Percentiles(acted)} "
            + $"(Gateway:DeadConnectionTimeout {timeout.TotalSeconds:F0} s, keep-alive {keepAlive.TotalSeconds:F0} s, clientGoneSeconds {GoneSeconds})");
        _run.Figure($"silent-network run: {FaultRun.Seconds(run)}");
        // The first unacknowledged keep-alive leaves within one keep-alive interval of the silence, and the Gateway gives
        // it the timeout: never sooner (nothing closed the streams early), and late only by a busy machine's seconds.
        Assert.All(noticed, took => Assert.InRange(took.TotalSeconds, timeout.TotalSeconds - 1, (timeout + keepAlive).TotalSeconds + 15));
        Assert.All(acted, took => Assert.InRange(took.TotalSeconds, (timeout.TotalSeconds + GoneSeconds) - 1, (timeout + keepAlive).TotalSeconds + GoneSeconds + 30));
    }

    private static async ValueTask<Stream> ConnectUnixAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<HttpStatusCode?> StatusAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            return response.StatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task<(int Status, JsonNode? Body)> CallAsync(HttpClient http, HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = System.Net.Http.Json.JsonContent.Create(body);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.StartsWith('{') ? JsonNode.Parse(text) : null);
    }

    /// <summary>Opens a stream from inside the namespace and reads up to its snapshot, after which the Gateway has announced it.</summary>
    private static async Task<HttpResponseMessage> OpenStreamAsync(HttpClient streams, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me/events");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await streams.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await ClientPresenceProcessTests.ReadSnapshotAsync(await response.Content.ReadAsStreamAsync());
        return response;
    }

    private static async Task<TimeSpan> WaitForDisconnectedAsync(HttpClient control, string agentId, string token, long silencedAt)
    {
        while (TimeProvider.System.GetElapsedTime(silencedAt) < NeverBound)
        {
            var view = (await CallAsync(control, HttpMethod.Get, "/api/v1/me/work-session", token)).Body;
            if ((string?)view?["statusReason"] == "Disconnected")
            {
                return TimeProvider.System.GetElapsedTime(silencedAt);
            }

            await Task.Delay(250);
        }

        throw new TimeoutException(
            $"Agent {agentId}: no client-gone action within {NeverBound} of the silence; the Gateway still holds the vanished client's stream.");
    }

    private static async Task<IReadOnlyList<JsonNode>> FeedAsync(HttpClient control, string admin)
    {
        var page = (await CallAsync(control, HttpMethod.Get, "/api/v1/events?limit=1000", admin)).Body;
        return page?["items"]?.AsArray().Select(e => e!).ToList() ?? [];
    }
}
