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
/// heartbeat one trace from the request to the grain.
/// </summary>
public sealed class TelemetryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task WithAnOtlpEndpoint_AStartAndAHeartbeat_AreTracedFromTheRequestToTheGrainAndItsWrite()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var key = GatewayFixture.SigningKey;
        await using var gateway = await StartGatewayAsync(key, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            // Export soon, not after the SDK's default seconds and minute.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });
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
