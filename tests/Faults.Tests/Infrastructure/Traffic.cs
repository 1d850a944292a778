using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace WorkSessions.Faults.Tests.Infrastructure;

/// <summary>
/// The clients' side of the suite: agents calling the two Gateways as a load balancer in front of them would let them
/// (a failed call is retried once on the other Gateway), with every answer tallied by status.
/// </summary>
internal sealed class Traffic : IDisposable
{
    /// <summary>What a client waits before its one retry.</summary>
    public static readonly TimeSpan ClientRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly FaultCluster _cluster;
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        ResponseDrainTimeout = TimeSpan.Zero,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public Traffic(FaultCluster cluster) => _cluster = cluster;

    /// <summary>Every answer by status (0: no answer, the connection failed or timed out).</summary>
    public ConcurrentDictionary<int, int> Statuses { get; } = new();

    public int ServerErrors => Statuses.Where(pair => pair.Key >= 500 && pair.Key != 503).Sum(pair => pair.Value);

    public string Token(string tenant, string user, string role) => _cluster.Tokens.Issue(tenant, user, [role], TimeSpan.FromHours(2));

    /// <summary>One call to one Gateway; 0 when it did not answer within 30 s.</summary>
    public async Task<(int Status, JsonNode? Body)> CallAsync(int gateway, HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_cluster.Gateways[gateway].Address, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = System.Net.Http.Json.JsonContent.Create(body);
        }

        int status;
        JsonNode? json = null;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await _http.SendAsync(request, timeout.Token);
            status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            json = text.Length > 0 && text[0] == '{' ? JsonNode.Parse(text) : null;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
        {
            status = 0;
        }

        Statuses.AddOrUpdate(status, 1, (_, count) => count + 1);
        return (status, json);
    }

    /// <summary>A call with the client's one retry on the other Gateway; returns the last answer.</summary>
    public async Task<(int Status, JsonNode? Body, bool Retried)> CallWithRetryAsync(int gateway, HttpMethod method, string path, string token, Func<int, bool> ok, object? body = null)
    {
        var first = await CallAsync(gateway, method, path, token, body);
        if (ok(first.Status))
        {
            return (first.Status, first.Body, false);
        }

        await Task.Delay(ClientRetryDelay);
        var second = await CallAsync(1 - gateway, method, path, token, body);
        return (second.Status, second.Body, true);
    }

    /// <summary>Opens an event stream; the response is the caller's to dispose.</summary>
    public async Task<HttpResponseMessage?> OpenStreamAsync(int gateway, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_cluster.Gateways[gateway].Address, "/api/v1/me/events"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            Statuses.AddOrUpdate((int)response.StatusCode, 1, (_, count) => count + 1);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return response;
            }

            response.Dispose();
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Statuses.AddOrUpdate(0, 1, (_, count) => count + 1);
        }

        return null;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// One agent's event stream, held open all run: reconnects to the other Gateway when its connection drops, and keeps
/// every <c>session-ended</c> it receives, so a session that ends twice shows up.
/// </summary>
internal sealed class StreamWatcher
{
    private readonly Traffic _traffic;
    private readonly string _token;
    private int _gateway;

    public StreamWatcher(Traffic traffic, string token, int gateway)
    {
        _traffic = traffic;
        _token = token;
        _gateway = gateway;
    }

    /// <summary>The ends received, by session id, with their end times.</summary>
    public ConcurrentQueue<(Guid SessionId, DateTimeOffset EndedAt, string Reason)> Ended { get; } = new();

    /// <summary>The sessions this stream has shown, by a <c>session-started</c> or in a snapshot.</summary>
    public ConcurrentDictionary<Guid, bool> SessionsShown { get; } = new();

    /// <summary>The session started after the run's sessions ended, to show that the stream holds all that came before (<see cref="StreamMarkers"/>).</summary>
    public Guid? Marker { get; set; }

    /// <summary>Set when a snapshot shows no open session (an end this stream may not have seen as an event).</summary>
    public volatile bool SawNoSession;

    /// <summary>Inactivity prompts received.</summary>
    public int Warnings;

    /// <summary>When the last connection dropped, and how long each reconnection took to deliver a snapshot.</summary>
    public ConcurrentQueue<TimeSpan> Reconnections { get; } = new();

    public TaskCompletionSource Connected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task RunAsync(CancellationToken stop)
    {
        long? droppedAt = null;
        while (!stop.IsCancellationRequested)
        {
            using var response = await _traffic.OpenStreamAsync(_gateway, _token, stop);
            if (response is null)
            {
                droppedAt ??= TimeProvider.System.GetTimestamp();
                _gateway = 1 - _gateway;
                await Delay(TimeSpan.FromMilliseconds(250), stop);
                continue;
            }

            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(stop);
                using var reader = new StreamReader(body);
                string? name = null;
                while (await reader.ReadLineAsync(stop) is { } line)
                {
                    if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        name = line["event: ".Length..];
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null)
                    {
                        var data = JsonNode.Parse(line["data: ".Length..])!;
                        if (name == "snapshot")
                        {
                            if (droppedAt is { } dropped)
                            {
                                Reconnections.Enqueue(TimeProvider.System.GetElapsedTime(dropped));
                                droppedAt = null;
                            }

                            Connected.TrySetResult();
                            if ((string?)data["state"] == "none")
                            {
                                SawNoSession = true;
                            }

                            if ((Guid?)data["session"]?["sessionId"] is { } shown)
                            {
                                SessionsShown[shown] = true;
                            }
                        }
                        else if (name == "session-started")
                        {
                            SessionsShown[(Guid)data["sessionId"]!] = true;
                        }
                        else if (name == "inactivity-warning")
                        {
                            Interlocked.Increment(ref Warnings);
                        }
                        else if (name == "session-ended")
                        {
                            Ended.Enqueue(((Guid)data["sessionId"]!, (DateTimeOffset)data["endedAt"]!, (string)data["endReason"]!));
                        }
                    }
                    else if (line.Length == 0)
                    {
                        name = null;
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or HttpRequestException || (exception is OperationCanceledException && !stop.IsCancellationRequested))
            {
                // The Gateway went away: reconnect below.
            }
            catch (OperationCanceledException)
            {
                return;
            }

            droppedAt ??= TimeProvider.System.GetTimestamp();
            _gateway = 1 - _gateway;
            await Delay(TimeSpan.FromMilliseconds(250), stop);
        }
    }

    private static async Task Delay(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
