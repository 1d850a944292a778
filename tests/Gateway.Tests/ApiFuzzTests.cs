using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// Seeded random requests over every route — hostile bodies, ids, query strings, headers and methods, with and
/// without valid tokens — must never get a 5xx, every 4xx must carry problem details with a code, and the Gateway
/// must still be ready afterwards. (A NUL in the path, <c>%00</c>, is refused by Kestrel's request parser with a bare
/// 400 before any application code runs, so it is not among the ids.)
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ApiFuzzTests(GatewayFixture fixture)
{
    private const int Seed = 20261202;
    private const int Requests = 3000;

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

    private static readonly string[] Accepts =
    [
        "application/json", "text/csv", "application/xml", "*/*", "text/html", "application/problem+json",
        "text/event-stream", "garbage/;;;", "", "application/json;q=0, text/csv",
    ];

    private static readonly string[] ContentTypes =
    [
        "application/json", "text/plain", "application/xml", "application/json; charset=latin1", "application/json; charset=nonsense",
        "application/json; charset=utf-16", "multipart/form-data", "", "application/x-www-form-urlencoded",
    ];

    private static readonly string[] Ids =
    [
        "alice", "a", new string('x', 129), "..", "%2e%2e", "a/b", "%01", "ü", "bob@example.com", "-", "' OR 1=1 --", "%F0%9F%98%80", "{id}", "",
    ];

    private static readonly string[] Bodies =
    [
        "", "{}", "null", "[]", "[1,2,3]", "\"text\"", "{\"status\":\"ready\"}", "{\"status\":\"notReady\"}", "{\"status\":\"notReady\",\"reason\":\"lunch\"}",
        "{\"status\":\"occupied\"}", "{\"status\":\"offline\"}", "{\"status\":7}", "{\"status\":\"READY\"}", "{\"note\":\"shift over\"}", "{\"note\":12}",
        "{\"workSessionsEnabled\":true,\"autoEndEnabled\":true,\"inactivityTimeoutSeconds\":60,\"gracePeriodSeconds\":30}",
        "{\"workSessionsEnabled\":true,\"autoEndEnabled\":true,\"inactivityTimeoutSeconds\":1e400,\"gracePeriodSeconds\":30}",
        "{\"workSessionsEnabled\":true,\"autoEndEnabled\":true,\"inactivityTimeoutSeconds\":-1,\"gracePeriodSeconds\":99999999999}",
        "{\"workSessionsEnabled\":true,\"autoEndEnabled\":true,\"inactivityTimeoutSeconds\":60,\"gracePeriodSeconds\":30,\"notReadyReasons\":[\"Coaching\",\"Lunch\"]}",
        "{\"workSessionsEnabled\":true,\"autoEndEnabled\":true,\"inactivityTimeoutSeconds\":60,\"gracePeriodSeconds\":30,\"notReadyReasons\":[]}",
        "{\"workSessionsEnabled\":true,\"autoEndEnabled\":true,\"inactivityTimeoutSeconds\":60,\"gracePeriodSeconds\":30,\"notReadyReasons\":[null,\"\\u0000\",\"\\ud800\",\"lunch\",\"LUNCH\"]}",
        "{\"workSessionsEnabled\":true,\"autoEndEnabled\":true,\"inactivityTimeoutSeconds\":60,\"gracePeriodSeconds\":30,\"notReadyReasons\":{\"a\":1}}",
        "{\"workSessionsEnabled\":true,\"autoEndEnabled\":true,\"inactivityTimeoutSeconds\":60,\"gracePeriodSeconds\":30,\"notReadyReasons\":\"" + new string('r', 3000) + "\"}",
        "{\"workSessionsEnabled\":true,\"autoEndEnabled\":false,\"inactivityTimeoutSeconds\":60,\"gracePeriodSeconds\":30,\"supervisorScope\":\"teams\"}",
        "{\"workSessionsEnabled\":true,\"autoEndEnabled\":false,\"inactivityTimeoutSeconds\":60,\"gracePeriodSeconds\":30,\"supervisorScope\":7}",
        "{\"workSessionsEnabled\":true,\"autoEndEnabled\":false,\"inactivityTimeoutSeconds\":60,\"gracePeriodSeconds\":30,\"supervisorScope\":\"TEAMS\"}",
        "{\"name\":\"Night\",\"supervisors\":[\"sup-1\"],\"preferences\":{\"inactivityTimeoutSeconds\":120}}",
        "{\"name\":\"\\u0000\",\"timeZone\":\"../../etc/passwd\",\"supervisors\":[null,\"\",\"\\ud800\"]}",
        "{\"name\":\"x\",\"supervisors\":\"sup-1\",\"preferences\":{\"gracePeriodSeconds\":-1,\"autoEndEnabled\":\"yes\"}}",
        "{\"name\":\"" + new string('n', 5000) + "\",\"timeZone\":null,\"preferences\":null}",
        "{\"add\":[\"alice\",\"bob\"],\"remove\":[\"carol\"]}",
        "{\"add\":[null,7,\"..\"],\"remove\":null}",
        "{\"add\":[\"alice\"],\"remove\":[\"alice\"]}",
        "{\"add\":[" + string.Join(',', Enumerable.Range(0, 1001).Select(i => $"\"a{i}\"")) + "]}",
        "{\"a\":" + new string('[', 200) + new string(']', 200) + "}", "{\"status\":\"ready\",\"status\":\"ready\"}", "\u0000\u0001\u0002", "{", "<xml/>",
    ];

    private static readonly string[] Queries =
    [
        "", "?state=open", "?state=closed", "?state=", "?limit=-1", "?cursor=%%%", "?a=" + new string('b', 2000), "?state=open&state=open",
        "?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z", "?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&format=csv",
        "?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&format=csv&cursor=AAAA", "?from=2026-01-01&to=2027-01-01", "?from=%00&to=%FF",
        "?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&interval=PT0S", "?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&timeZone=..%2F..%2Fetc%2Fpasswd",
        "?after=-5", "?after=99999999999999999999", "?after=1&limit=1001", "?endReason=agentEnded&limit=1000",
        "?cursor=..&limit=0", "?cursor=zzzz&limit=1000", "?limit=99999999999",
        "?status=notReady&teamId=red&q=a", "?status=READY", "?status=%00", "?teamId=..%2F..", "?teamId=" + new string('t', 64), "?q=%FF", "?q=" + new string('q', 129),
        "?state=warned&status=occupied&cursor=" + new string('c', 2000),
    ];

    [Fact]
    public async Task HostileRequests_NeverGetA5xx_AndEveryRejectionIsAProblemWithACode()
    {
        var random = new Random(Seed);
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true, autoEnd: true, timeout: 60, grace: 30);

        // A scoped supervisor with a team to see (the bodies above may widen the scope again, or narrow it).
        var admin = tenant.Admin();
        await Http.AssertStatusAsync(await admin.PutAsync("/api/v1/teams/night", new { name = "Night", supervisors = new[] { "sup-night" } }), HttpStatusCode.Created);
        await Http.AssertStatusAsync(await admin.PostAsync("/api/v1/teams/night/members", new { add = new[] { "alice" } }), HttpStatusCode.OK);
        await Http.AssertStatusAsync(
            await admin.PutAsync(Paths.Preferences, new { workSessionsEnabled = true, autoEndEnabled = true, inactivityTimeoutSeconds = 60, gracePeriodSeconds = 30, supervisorScope = "teams" }),
            HttpStatusCode.OK);
        var tokens = new[]
        {
            null,
            "not-a-token",
            tenant.Agent("alice").Token,
            tenant.Agent("bob").Token,
            tenant.Supervisor().Token,
            tenant.Supervisor("sup-night").Token,
            tenant.Admin().Token,
            fixture.Token(tenant.Id, "multi", "agent", "supervisor", "admin"),
            fixture.Token("other-tenant", "mallory", "admin"),
            // Claims of the right names in shapes no issuer should send: each maps to an identity, no role or a 401.
            IdentityProvider.Mint(new() { ["sub"] = "odd", ["tenant"] = tenant.Id, ["role"] = new Dictionary<string, object> { ["admin"] = true } }),
            IdentityProvider.Mint(new() { ["sub"] = "odd", ["tenant"] = tenant.Id, ["role"] = new object[] { new[] { "admin" }, 7, "agent" } }),
            IdentityProvider.Mint(new() { ["sub"] = "odd", ["tenant"] = tenant.Id, ["role"] = 7 }),
            IdentityProvider.Mint(new() { ["sub"] = "odd", ["tenant"] = new[] { tenant.Id, "other-tenant" }, ["role"] = "admin" }),
            IdentityProvider.Mint(new() { ["sub"] = "odd", ["tenant"] = new Dictionary<string, object> { ["id"] = tenant.Id }, ["role"] = "admin" }),
            IdentityProvider.Mint(new() { ["sub"] = new[] { "odd", "even" }, ["tenant"] = tenant.Id, ["role"] = "agent" }),
            IdentityProvider.Mint(new() { ["tenant"] = tenant.Id, ["role"] = "agent" }),
            IdentityProvider.Mint(new() { ["sub"] = "..", ["tenant"] = tenant.Id, ["role"] = Enumerable.Repeat("x", 1000).Append("agent").ToArray() }),
        };
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();

        for (var i = 0; i < Requests; i++)
        {
            using var request = RandomRequest(random, tokens);
            var uri = request.RequestUri!.ToString();
            var description = $"#{i} {request.Method} {(uri.Length > 120 ? uri[..120] + "…" : uri)} (seed {Seed})";
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                using var response = await fixture.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
                {
                    continue;
                }

                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                if (status >= 500)
                {
                    failures.Add($"{description}: {status} {body}");
                }
                else if (status >= 400 && request.Method != HttpMethod.Head && CodeOf(body) is null)
                {
                    failures.Add($"{description}: {status} without a problem code: '{body}'");
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
            {
                failures.Add($"{description}: {exception.GetType().Name} {exception.Message} {exception.InnerException?.Message}");
            }
        }

        var summary = string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"));
        Assert.True(failures.Count == 0, $"{failures.Count} of {Requests} requests failed ({summary}):\n{string.Join('\n', failures.Take(20))}");
        using var ready = await fixture.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    private static HttpRequestMessage RandomRequest(Random random, string?[] tokens)
    {
        var id = Pick(random, Ids);
        var path = random.Next(18) switch
        {
            15 => random.Next(2) == 0 ? "/api/v1/teams" : $"/api/v1/teams/{id}",
            16 => $"/api/v1/teams/{Pick(random, ["night", id])}/members",
            17 => $"/api/v1/agents/{id}/preferences",
            12 => "/api/v1/reports/" + Pick(random, ["work-sessions", "timecards", "concurrency", id]),
            13 => $"/api/v1/agents/{id}/status-history",
            14 => random.Next(2) == 0 ? "/api/v1/events" : "/api/v1/preferences/work-sessions/history",
            0 => Paths.MyWorkSession,
            1 => Paths.MyActivity,
            2 => Paths.MyContinue,
            3 => Paths.MyStatus,
            4 => random.Next(2) == 0 ? Paths.MyEvents : Paths.MyStatusReasons,
            5 => "/api/v1/work-sessions",
            6 => $"/api/v1/agents/{id}/work-session",
            7 => $"/api/v1/agents/{id}/work-session/end",
            8 => Paths.Preferences,
            9 => "/api/v1/" + id,
            10 => random.Next(2) == 0 ? "/openapi/v1.json" : "/openapi/" + id + ".json",
            _ => "/api/v1/me/" + id,
        };
        // One connection per request: a server may close a connection after rejecting a body it did not read, and a
        // reused connection would then fail the next request for a reason of the client's making.
        var request = new HttpRequestMessage(new HttpMethod(Pick(random, Methods)), path + Pick(random, Queries));
        request.Headers.ConnectionClose = true;
        var token = Pick(random, tokens);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", random.Next(10) == 0 ? "Bearer" : "Bearer " + token);
        }

        var accept = Pick(random, Accepts);
        if (accept.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        if (random.Next(4) == 0)
        {
            request.Headers.TryAddWithoutValidation("If-Match", Pick(random, ["\"1\"", "*", "W/\"0\"", "garbage", "\"99999999999999999999\""]));
        }

        if (random.Next(6) == 0)
        {
            request.Headers.TryAddWithoutValidation("X-Fuzz", new string('h', random.Next(1, 8000)));
        }

        if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head && random.Next(5) != 0)
        {
            var body = random.Next(20) == 0 ? new string('{', 5000) : Pick(random, Bodies);
            request.Content = new StringContent(body, Encoding.UTF8);
            var contentType = Pick(random, ContentTypes);
            request.Content.Headers.Remove("Content-Type");
            if (contentType.Length > 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        return request;
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    private static string? CodeOf(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["code"]?.GetValue<string>();
        }
        catch (Exception exception) when (exception is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
