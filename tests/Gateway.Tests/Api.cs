using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WorkSessions.Gateway.Apis;
using WorkSessions.Gateway.Auth;
using WorkSessions.Gateway.Hosting;
using WorkSessions.TestSupport;

namespace WorkSessions.Gateway.Tests;

/// <summary>One caller of the API: an HTTP client plus a bearer token (or none).</summary>
public sealed class ApiClient(HttpClient http, string? token)
{
    /// <summary>The Gateway's own strict JSON settings: reading a response with them also checks its shape.</summary>
    public static readonly JsonSerializerOptions Json = CreateJson();

    public string? Token => token;

    public Task<HttpResponseMessage> GetAsync(string path, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, path, cancellationToken: cancellationToken);

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) => SendAsync(HttpMethod.Post, path, body);

    public Task<HttpResponseMessage> PutAsync(string path, object? body, string? ifMatch = null) =>
        SendAsync(HttpMethod.Put, path, body, request =>
        {
            if (ifMatch is not null)
            {
                request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            }
        });

    public Task<HttpResponseMessage> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    /// <summary>Sends a request; a string body is sent verbatim as JSON, anything else is serialized.</summary>
    public async Task<HttpResponseMessage> SendAsync(
        HttpMethod method,
        string path,
        object? body = null,
        Action<HttpRequestMessage>? configure = null,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead,
        CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        request.Content = body switch
        {
            null => null,
            HttpContent content => content,
            string raw => new StringContent(raw, Encoding.UTF8, "application/json"),
            _ => JsonContent.Create(body, body.GetType(), options: Json),
        };
        configure?.Invoke(request);
        return await http.SendAsync(request, completion, cancellationToken);
    }

    private static JsonSerializerOptions CreateJson()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        GatewaySetup.ConfigureJson(json);
        return json;
    }
}

/// <summary>A tenant no other test uses, with its callers on one Gateway.</summary>
public sealed class TestTenant(HttpClient http, TokenIssuer tokens, string id)
{
    public string Id => id;

    public ApiClient Admin(string userId = "admin-1") => new(http, Token(userId, "admin"));

    public ApiClient Supervisor(string userId = "sup-1") => new(http, Token(userId, "supervisor"));

    public ApiClient Agent(string agentId) => new(http, Token(agentId, "agent"));

    private string Token(string userId, string role) => tokens.Issue(id, userId, [role], TimeSpan.FromHours(1));

    public async Task<PreferencesResponse> SetPreferencesAsync(bool enabled, bool autoEnd = false, int timeout = 60, int grace = 30)
    {
        var response = await Admin().PutAsync(Paths.Preferences, new
        {
            workSessionsEnabled = enabled,
            autoEndEnabled = autoEnd,
            inactivityTimeoutSeconds = timeout,
            gracePeriodSeconds = grace,
        });
        return await Http.ReadAsync<PreferencesResponse>(response, HttpStatusCode.OK);
    }
}

public static class Paths
{
    public const string MyWorkSession = "/api/v1/me/work-session";
    public const string MyActivity = "/api/v1/me/work-session/activity";
    public const string MyContinue = "/api/v1/me/work-session/continue";
    public const string MyStatus = "/api/v1/me/status";
    public const string MyEvents = "/api/v1/me/events";
    public const string MyStatusReasons = "/api/v1/me/status-reasons";
    public const string Roster = "/api/v1/work-sessions?state=open";
    public const string Summary = "/api/v1/work-sessions/summary";
    public const string Preferences = "/api/v1/preferences/work-sessions";

    public static string Agent(string agentId) => $"/api/v1/agents/{agentId}/work-session";

    public static string EndAgent(string agentId) => $"/api/v1/agents/{agentId}/work-session/end";

    public const string SessionsReport = "/api/v1/reports/work-sessions";
    public const string Timecards = "/api/v1/reports/timecards";
    public const string Concurrency = "/api/v1/reports/concurrency";
    public const string Feed = "/api/v1/events";
    public const string PreferenceHistory = "/api/v1/preferences/work-sessions/history";

    public static string StatusHistory(string agentId) => $"/api/v1/agents/{agentId}/status-history";

    /// <summary><c>from</c> and <c>to</c> as a query, in ISO 8601 UTC.</summary>
    public static string Range(DateTimeOffset from, DateTimeOffset to) =>
        $"from={Uri.EscapeDataString(from.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture))}"
        + $"&to={Uri.EscapeDataString(to.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture))}";
}

public static class Http
{
    public static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Asserts the status (showing the body when it differs) and reads the body as <typeparamref name="T"/>.</summary>
    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, HttpStatusCode expected)
    {
        await AssertStatusAsync(response, expected);
        var body = await response.Content.ReadAsStringAsync();
        return JsonSerializer.Deserialize<T>(body, ApiClient.Json) ?? throw new InvalidOperationException($"Empty body: {body}");
    }

    public static async Task AssertStatusAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Asserts an RFC 9457 problem with the status and stable code; returns it.</summary>
    public static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        await AssertStatusAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(code, (string?)problem["code"]);
        Assert.Equal((int)status, (int?)problem["status"]);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        return problem;
    }

    /// <summary>Asks until <paramref name="condition"/> holds (<see cref="Eventually"/>); fails after <see cref="PollTimeout"/>.</summary>
    public static Task EventuallyAsync(Func<Task<bool>> condition, string what) =>
        Eventually.UntilAsync(condition, done => done, PollTimeout, what, TimeSpan.FromMilliseconds(20));
}

/// <summary>One server-sent event.</summary>
public sealed record ServerSentEvent(string Name, string? Id, string Data)
{
    public JsonObject Json => JsonNode.Parse(Data)!.AsObject();

    public T As<T>() => JsonSerializer.Deserialize<T>(Data, ApiClient.Json)!;
}

/// <summary>Reads <c>GET /me/events</c> line by line; every read has a timeout, so a missing event fails the test.</summary>
public sealed class EventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private EventStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public static Task<EventStream> OpenAsync(ApiClient agent) => OpenAsync(agent, Paths.MyEvents);

    /// <summary>Opens any event stream: <paramref name="configure"/> adds headers such as <c>Accept</c> or <c>Last-Event-ID</c>.</summary>
    public static async Task<EventStream> OpenAsync(ApiClient caller, string path, Action<HttpRequestMessage>? configure = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var response = await caller.SendAsync(HttpMethod.Get, path, configure: configure, completion: HttpCompletionOption.ResponseHeadersRead, cancellationToken: timeout.Token);
        await Http.AssertStatusAsync(response, HttpStatusCode.OK);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        return new EventStream(response, new StreamReader(stream, Encoding.UTF8));
    }

    /// <summary>The next event (comment lines are skipped).</summary>
    public async Task<ServerSentEvent> NextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        string? name = null, id = null;
        var data = new StringBuilder();
        try
        {
            while (true)
            {
                var line = await _reader.ReadLineAsync(cancel.Token) ?? throw new EndOfStreamException("The event stream ended.");
                if (line.Length == 0)
                {
                    if (name is not null || data.Length > 0)
                    {
                        return new ServerSentEvent(name ?? "message", id, data.ToString());
                    }

                    continue;
                }

                if (line.StartsWith(':'))
                {
                    continue;
                }

                var colon = line.IndexOf(':');
                var field = colon < 0 ? line : line[..colon];
                var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
                switch (field)
                {
                    case "event": name = value; break;
                    case "id": id = value; break;
                    case "data": data.Append(data.Length > 0 ? "\n" : "").Append(value); break;
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Assert.Fail("No server-sent event arrived in time.");
            throw;
        }
    }

    /// <summary>The next comment line (<c>: …</c>) of an idle stream: blank lines are skipped, an event fails the test.</summary>
    public async Task<string> NextCommentAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var line = await _reader.ReadLineAsync(cancel.Token) ?? throw new EndOfStreamException("The event stream ended.");
                if (line.StartsWith(':'))
                {
                    return line;
                }

                Assert.True(line.Length == 0, $"Expected only comments on an idle stream, got '{line}'.");
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Assert.Fail($"No comment line arrived within {timeout}.");
            throw;
        }
    }

    /// <summary>Reads events until one named <paramref name="name"/>; the ones before it must be among <paramref name="allowedBefore"/>.</summary>
    public async Task<ServerSentEvent> NextNamedAsync(string name, params string[] allowedBefore)
    {
        while (true)
        {
            var next = await NextAsync();
            if (next.Name == name)
            {
                return next;
            }

            Assert.True(allowedBefore.Contains(next.Name), $"Unexpected event '{next.Name}' while waiting for '{name}': {next.Data}");
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
