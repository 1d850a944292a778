using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using WorkSessions.Diagnostics;
using WorkSessions.Gateway.Auth;
using WorkSessions.TestSupport;
using Xunit.Abstractions;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// A real Gateway process pointed at an OTLP receiver by the standard variables exports traces, metrics and logs: one
/// session start is one trace from the Gateway's request span through the agent grain's call to its state write, one
/// heartbeat one trace from the request to the grain; with a separate silo (client mode), the trace crosses processes.
/// </summary>
public sealed class TelemetryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task WithAnOtlpEndpoint_AStartAndAHeartbeat_AreTracedFromTheRequestToTheGrainAndItsWrite()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var key = GatewayFixture.SigningKey;
        await using var gateway = await StartGatewayAsync(key, ExportSoon(receiver));
        var tokens = new TokenIssuer(new AuthOptions { SigningKey = key }, TimeProvider.System);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = gateway.Address, Timeout = Patience };
        var tenant = GatewayFixture.NewTenantId();
        using (var preferences = await SendAsync(http, HttpMethod.Put, Paths.Preferences, tokens.Issue(tenant, "admin-1", ["admin"], TimeSpan.FromHours(1)),
            new { workSessionsEnabled = true, autoEndEnabled = false, inactivityTimeoutSeconds = 600, gracePeriodSeconds = 60 }))
        {
            Assert.Equal(HttpStatusCode.OK, preferences.StatusCode);
        }

        var agent = tokens.Issue(tenant, "alice", ["agent"], TimeSpan.FromHours(1));
        using (var start = await SendAsync(http, HttpMethod.Post, Paths.MyWorkSession, agent))
        {
            Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        }

        using (var heartbeat = await SendAsync(http, HttpMethod.Post, Paths.MyActivity, agent))
        {
            Assert.Equal(HttpStatusCode.NoContent, heartbeat.StatusCode);
        }

        // The start: request span ← agent grain call ← state write, one trace.
        var startChain = (await Eventually.UntilAsync(
            () => Task.FromResult(ChainFrom(receiver, Paths.MyWorkSession, WorkSessionsTracing.StateWrite)),
            chain => chain is not null, Patience, "the start's request, grain and state write spans"))!;
        output.WriteLine("start: " + string.Join(" <- ", startChain.Select(span => $"[{span.Scope}] {span.Name} ({span.Kind})")));
        Assert.Equal("WorkSessions.Gateway", startChain[^1].Service);
        Assert.Contains(startChain, span => span.Scope.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && span.Name.Contains("AgentGrain", StringComparison.Ordinal));
        Assert.Equal(WorkSessionsTracing.SourceName, startChain[0].Scope);

        // The heartbeat: request span ← agent grain call.
        var heartbeatChain = (await Eventually.UntilAsync(
            () => Task.FromResult(ChainFrom(receiver, Paths.MyActivity, "AgentGrain")),
            chain => chain is not null, Patience, "the heartbeat's request and grain spans"))!;
        output.WriteLine("heartbeat: " + string.Join(" <- ", heartbeatChain.Select(span => $"[{span.Scope}] {span.Name} ({span.Kind})")));
        Assert.NotEqual(startChain[0].TraceId, heartbeatChain[0].TraceId);

        // Metrics and logs arrive too: the product's own counter, and the host's start.
        await Eventually.UntilAsync(
            () => Task.FromResult(receiver.Metrics.Any(metric => metric.Name == "worksessions.sessions.started" && metric.Service == "WorkSessions.Gateway")),
            arrived => arrived, Patience, "the sessions-started metric");
        await Eventually.UntilAsync(
            () => Task.FromResult(receiver.Logs.Any(log => log.Body.Contains("Application started", StringComparison.Ordinal))),
            arrived => arrived, Patience, "the host's start log record");
        Assert.Empty(receiver.Failures);
    }

    [Fact]
    public async Task InClientMode_AStart_IsOneTraceAcrossTheGatewayAndTheSilo()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var key = GatewayFixture.SigningKey;
        var directory = Directory.CreateTempSubdirectory("work-sessions-otlp-client-").FullName;
        var database = $"Data Source={Path.Combine(directory, "work-sessions.db")}";
        var clusterId = TestIds.New("otlp-client");
        var otlp = ExportSoon(receiver);
        // The silo reads the same variables from its command line (configuration); the Gateway from its environment.
        await using var silo = await SiloProcess.StartAsync(
            directory,
            [
                "--Storage:Provider=sqlite",
                $"--Storage:ConnectionString={database}",
                $"--Orleans:ClusterId={clusterId}",
                "--Dashboard:Enabled=false",
                .. otlp.Select(variable => $"--{variable.Key}={variable.Value}"),
            ]);
        await using var gateway = await GatewayProcess.StartAsync(
            "Production",
            [
                $"Auth:SigningKey={key}",
                "Orleans:Mode=client",
                $"Orleans:ClusterId={clusterId}",
                $"Orleans:GatewayPort={silo.GatewayPort}",
                "Storage:Provider=sqlite",
                $"Storage:ConnectionString={database}",
                "Dashboard:Enabled=false",
            ],
            environmentVariables: otlp);
        await gateway.WaitUntilReadyAsync(Patience);
        var tokens = new TokenIssuer(new AuthOptions { SigningKey = key }, TimeProvider.System);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = gateway.Address, Timeout = Patience };
        var tenant = GatewayFixture.NewTenantId();
        using (var preferences = await SendAsync(http, HttpMethod.Put, Paths.Preferences, tokens.Issue(tenant, "admin-1", ["admin"], TimeSpan.FromHours(1)),
            new { workSessionsEnabled = true, autoEndEnabled = false, inactivityTimeoutSeconds = 600, gracePeriodSeconds = 60 }))
        {
            Assert.Equal(HttpStatusCode.OK, preferences.StatusCode);
        }

        using (var start = await SendAsync(http, HttpMethod.Post, Paths.MyWorkSession, tokens.Issue(tenant, "alice", ["agent"], TimeSpan.FromHours(1))))
        {
            Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        }

        var chain = (await Eventually.UntilAsync(
            () => Task.FromResult(ChainFrom(receiver, Paths.MyWorkSession, WorkSessionsTracing.StateWrite)),
            found => found is not null, Patience, "the start's spans in the Gateway and the silo"))!;
        output.WriteLine("client mode: " + string.Join(" <- ", chain.Select(span => $"[{span.Service} {span.Scope}] {span.Name} ({span.Kind})")));
        // The write and the grain's side of the call in the silo; the call's client side and the request in the Gateway.
        Assert.Equal("WorkSessions.Silo", chain[0].Service);
        Assert.Equal("WorkSessions.Gateway", chain[^1].Service);
        Assert.Contains(chain, span => span.Service == "WorkSessions.Gateway" && span.Name.Contains("AgentGrain", StringComparison.Ordinal));
        Assert.Contains(chain, span => span.Service == "WorkSessions.Silo" && span.Name.Contains("AgentGrain", StringComparison.Ordinal));
        await Eventually.UntilAsync(
            () => Task.FromResult(receiver.Metrics.Any(metric => metric.Name == "worksessions.sessions.started" && metric.Service == "WorkSessions.Silo")),
            arrived => arrived, Patience, "the silo's sessions-started metric");
        await Eventually.UntilAsync(
            () => Task.FromResult(receiver.Logs.Any(log => log.Service == "WorkSessions.Silo")),
            arrived => arrived, Patience, "a log record of the silo");
        Assert.Empty(receiver.Failures);
    }

    /// <summary>The standard variables that point a process at the receiver, with export intervals of a test's patience.</summary>
    private static Dictionary<string, string> ExportSoon(OtlpReceiver receiver) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        // Export soon, not after the SDK's default seconds and minute.
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
    };

    /// <summary>
    /// The spans from one whose name contains <paramref name="leaf"/> up through its parents to the Gateway's server span
    /// of a request to <paramref name="path"/>, all in one trace; null while any link has not arrived.
    /// </summary>
    private static List<ReceivedSpan>? ChainFrom(OtlpReceiver receiver, string path, string leaf)
    {
        var spans = receiver.Spans.ToList();
        foreach (var start in spans.Where(span => span.Name.Contains(leaf, StringComparison.Ordinal)))
        {
            var chain = new List<ReceivedSpan> { start };
            var current = start;
            while (current.ParentSpanId.Length > 0
                && spans.FirstOrDefault(span => span.TraceId == current.TraceId && span.SpanId == current.ParentSpanId) is { } parent)
            {
                chain.Add(parent);
                current = parent;
            }

            if (current is { Kind: ReceivedSpan.ServerKind, ParentSpanId: "" } && current.Attributes.GetValueOrDefault("url.path") == path)
            {
                return chain;
            }
        }

        return null;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await http.SendAsync(request);
    }

    private static async Task<GatewayProcess> StartGatewayAsync(string signingKey, Dictionary<string, string> environment)
    {
        var ports = LoopbackPorts.Take(2);
        var directory = Directory.CreateTempSubdirectory("work-sessions-otlp-").FullName;
        var gateway = await GatewayProcess.StartAsync(
            "Production",
            [
                $"Auth:SigningKey={signingKey}",
                $"Orleans:SiloPort={ports[0]}",
                $"Orleans:GatewayPort={ports[1]}",
                $"Orleans:ClusterId={TestIds.New("otlp")}",
                "Storage:Provider=sqlite",
                $"Storage:ConnectionString=Data Source={Path.Combine(directory, "work-sessions.db")}",
                "Dashboard:Enabled=false",
                "Logging:LogLevel:Orleans=Error",
                "Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
            ],
            directory,
            environment);
        try
        {
            await gateway.WaitUntilReadyAsync(Patience);
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }
}
