using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WorkSessions.Gateway.Auth;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// Every endpoint under <c>/api/v1</c>, read from the app's own endpoint list, × agent / supervisor / admin × own / other
/// tenant × no token / expired / wrong signature / wrong issuer / wrong audience / valid. An endpoint missing from
/// <see cref="Expectations"/> fails the test, so a new endpoint cannot escape the matrix.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class AuthorizationMatrixTests(GatewayFixture fixture)
{
    private const string Agent = WorkSessionsClaims.AgentRole;
    private const string Supervisor = WorkSessionsClaims.SupervisorRole;
    private const string Admin = WorkSessionsClaims.AdminRole;
    private static readonly string[] Roles = [Agent, Supervisor, Admin];

    /// <summary>Who may call each endpoint (docs/http-api.md), and a well-formed body for it.</summary>
    private static readonly Dictionary<string, (string[] Allowed, object? Body)> Expectations = new()
    {
        ["GET /api/v1/me/work-session"] = ([Agent], null),
        ["POST /api/v1/me/work-session"] = ([Agent], new { status = "ready" }),
        ["POST /api/v1/me/work-session/activity"] = ([Agent], null),
        ["POST /api/v1/me/work-session/continue"] = ([Agent], null),
        ["PUT /api/v1/me/status"] = ([Agent], new { status = "ready" }),
        ["DELETE /api/v1/me/work-session"] = ([Agent], null),
        ["GET /api/v1/me/events"] = ([Agent], null),
        ["GET /api/v1/me/status-reasons"] = ([Agent], null),
        ["GET /api/v1/me/identity"] = ([Agent, Supervisor, Admin], null),
        ["GET /api/v1/work-sessions"] = ([Supervisor, Admin], null),
        ["GET /api/v1/work-sessions/summary"] = ([Supervisor, Admin], null),
        ["GET /api/v1/agents/{agentId}/work-session"] = ([Supervisor, Admin], null),
        ["POST /api/v1/agents/{agentId}/work-session/end"] = ([Supervisor, Admin], new { note = "matrix" }),
        ["GET /api/v1/preferences/work-sessions"] = ([Admin], null),
        ["PUT /api/v1/preferences/work-sessions"] = ([Admin], new { workSessionsEnabled = true, autoEndEnabled = false, inactivityTimeoutSeconds = 600, gracePeriodSeconds = 60, notReadyReasons = new[] { "Coaching", "Lunch" } }),
        ["GET /api/v1/reports/work-sessions"] = ([Supervisor, Admin], null),
        ["GET /api/v1/reports/timecards"] = ([Supervisor, Admin], null),
        ["GET /api/v1/agents/{agentId}/status-history"] = ([Supervisor, Admin], null),
        ["GET /api/v1/reports/concurrency"] = ([Supervisor, Admin], null),
        ["GET /api/v1/events"] = ([Supervisor, Admin], null),
        ["GET /api/v1/preferences/work-sessions/history"] = ([Admin], null),
        ["POST /api/v1/webhooks"] = ([Admin], new { url = "https://hooks.example.com/matrix" }),
        ["GET /api/v1/webhooks"] = ([Admin], null),
        ["GET /api/v1/webhooks/{webhookId}"] = ([Admin], null),
        ["PUT /api/v1/webhooks/{webhookId}"] = ([Admin], new { enabled = true }),
        ["DELETE /api/v1/webhooks/{webhookId}"] = ([Admin], null),
        ["POST /api/v1/webhooks/{webhookId}/rotate-secret"] = ([Admin], null),
        ["POST /api/v1/webhooks/{webhookId}/replay"] = ([Admin], new { after = 0 }),
        ["GET /api/v1/webhooks/{webhookId}/deliveries"] = ([Admin], null),
        ["GET /api/v1/me/preferences"] = ([Agent], null),
        ["GET /api/v1/agents/{agentId}/preferences"] = ([Supervisor, Admin], null),
        ["GET /api/v1/teams"] = ([Supervisor, Admin], null),
        ["GET /api/v1/teams/{teamId}"] = ([Supervisor, Admin], null),
        ["PUT /api/v1/teams/{teamId}"] = ([Admin], new { name = "Matrix", supervisors = new[] { "matrix-supervisor" } }),
        ["DELETE /api/v1/teams/{teamId}"] = ([Admin], null),
        ["GET /api/v1/teams/{teamId}/members"] = ([Supervisor, Admin], null),
        ["POST /api/v1/teams/{teamId}/members"] = ([Admin], new { add = new[] { "matrix-member" } }),
    };

    /// <summary>Endpoints that need a query to answer 200 rather than 400: the reports' range, around the silo's clock.</summary>
    private static readonly HashSet<string> RangedEndpoints =
    [
        "GET /api/v1/reports/work-sessions",
        "GET /api/v1/reports/timecards",
        "GET /api/v1/agents/{agentId}/status-history",
        "GET /api/v1/reports/concurrency",
    ];

    private enum TokenKind
    {
        None,
        Expired,
        WrongSignature,
        WrongIssuer,
        WrongAudience,
        Valid,
    }

    [Fact]
    public void EveryApiEndpoint_HasAnExpectation()
    {
        var endpoints = ApiEndpoints();

        Assert.Empty(endpoints.Except(Expectations.Keys));
        Assert.Empty(Expectations.Keys.Except(endpoints));
    }

    [Fact]
    public async Task EveryEndpoint_RoleTenantAndToken_GetsTheExpectedStatus()
    {
        var own = fixture.NewTenant();
        var other = fixture.NewTenant();
        await own.SetPreferencesAsync(enabled: true);
        await other.SetPreferencesAsync(enabled: true);
        // The agent the supervisor endpoints target: known, with an open session, in the own tenant only.
        var alice = own.Agent("alice");
        var ghost = "ghost-" + Guid.NewGuid().ToString("N")[..8];
        var failures = new List<string>();
        var cells = 0;
        // alice's status history must tell her apart from an unknown agent: wait until the outbox delivered her start.
        await EnsureOpenAsync(alice);
        var supervisor = own.Supervisor();
        await WorkSessions.TestSupport.Eventually.UntilAsync(
            async () => (await Http.ReadAsync<WorkSessions.Contracts.Reports.ReportPage<WorkSessions.Contracts.Reports.StatusHistoryItem>>(
                await supervisor.GetAsync(Paths.StatusHistory("alice") + "?" + RangeQuery()), HttpStatusCode.OK)).Items.Count,
            count => count > 0, TimeSpan.FromSeconds(30), "alice's status history to be delivered");

        foreach (var endpoint in ApiEndpoints().Order(StringComparer.Ordinal))
        {
            var (allowed, body) = Expectations[endpoint];
            var method = new HttpMethod(endpoint[..endpoint.IndexOf(' ', StringComparison.Ordinal)]);
            var template = endpoint[(endpoint.IndexOf(' ', StringComparison.Ordinal) + 1)..]
                + (RangedEndpoints.Contains(endpoint) ? "?" + RangeQuery() : "");
            foreach (var role in Roles)
            {
                foreach (var tenant in new[] { own, other })
                {
                    var where = tenant == own ? "own" : "other";
                    foreach (var kind in Enum.GetValues<TokenKind>())
                    {
                        cells++;
                        if (kind == TokenKind.Valid)
                        {
                            await EnsureOpenAsync(alice);
                        }

                        var caller = new ApiClient(fixture.Http, MintToken(kind, tenant.Id, "matrix-" + role, role));
                        var (status, problemCode, response) = await SendAsync(caller, method, Resolve(template, "alice"), body);
                        var cell = $"{endpoint} as {role} of the {where} tenant with {kind} token";

                        if (kind != TokenKind.Valid)
                        {
                            Expect(status == HttpStatusCode.Unauthorized && problemCode == "unauthorized", cell, $"401 unauthorized, got {(int)status} {problemCode}");
                        }
                        else if (!allowed.Contains(role))
                        {
                            Expect(status == HttpStatusCode.Forbidden && problemCode == "forbidden", cell, $"403 forbidden, got {(int)status} {problemCode}");
                        }
                        else
                        {
                            Expect(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500, cell, $"an answer, got {(int)status} {response}");
                            if (template.Contains("{agentId}", StringComparison.Ordinal))
                            {
                                await CompareWithAnUnknownAgentAsync(caller, method, template, body, ghost, where, status, response, cell);
                            }
                        }
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {cells} cells failed:\n{string.Join("\n", failures)}");

        void Expect(bool holds, string cell, string expected)
        {
            if (!holds)
            {
                failures.Add($"{cell}: expected {expected}");
            }
        }

        async Task CompareWithAnUnknownAgentAsync(ApiClient caller, HttpMethod method, string template, object? body, string ghost, string where,
            HttpStatusCode aliceStatus, string aliceBody, string cell)
        {
            await EnsureOpenAsync(alice);
            var (ghostStatus, _, ghostBody) = await SendAsync(caller, method, Resolve(template, ghost), body);
            var sameAnswer = aliceStatus == ghostStatus && Normalize(aliceBody, "alice") == Normalize(ghostBody, ghost);
            if (where == "other")
            {
                // Another tenant's agent is indistinguishable from one never seen.
                Expect(sameAnswer, cell, $"the answer for an unknown agent ({(int)ghostStatus} {ghostBody}), got {(int)aliceStatus} {aliceBody}");
            }
            else
            {
                // In her own tenant alice is known: the comparison above can tell agents apart.
                Expect(!sameAnswer, cell, $"alice's own answer to differ from an unknown agent's, both were {(int)aliceStatus} {aliceBody}");
            }
        }
    }

    /// <summary>
    /// The same endpoints on a Gateway reading Keycloak-shaped tokens (README "Identity providers"): each role's value in
    /// <c>realm_access.roles</c>, a token whose values map to no role, and one without a valid tenant.
    /// </summary>
    [Fact]
    public async Task EveryEndpoint_WithMappedClaims_GetsTheExpectedStatus()
    {
        var provider = IdentityProvider.Keycloak;
        await using var gateway = provider.Gateway();
        var http = gateway.Start();
        var tenant = GatewayFixture.NewTenantId();
        var failures = new List<string>();
        var cells = 0;
        var roleless = provider.TokenWithValues(tenant, "matrix-none", "agent", "supervisor", "admin");
        var badTenant = provider.Payload("Not A Tenant", "matrix-bad", [provider.RoleValues[Admin]]);
        var tokens = Roles.Select(role => (Who: role, Token: provider.Token(tenant, "matrix-" + role, role)))
            .Append(("no mapped role", roleless))
            .Append(("a bad tenant", IdentityProvider.Mint(badTenant)));
        var admin = new ApiClient(http, provider.Token(tenant, "admin-1", Admin));
        await admin.PutAsync(Paths.Preferences, new { workSessionsEnabled = true, autoEndEnabled = false, inactivityTimeoutSeconds = 600, gracePeriodSeconds = 60 });
        var now = DateTimeOffset.UtcNow;

        foreach (var endpoint in ApiEndpoints().Order(StringComparer.Ordinal))
        {
            var (allowed, body) = Expectations[endpoint];
            var method = new HttpMethod(endpoint[..endpoint.IndexOf(' ', StringComparison.Ordinal)]);
            var path = Resolve(endpoint[(endpoint.IndexOf(' ', StringComparison.Ordinal) + 1)..], "alice")
                + (RangedEndpoints.Contains(endpoint) ? "?" + Paths.Range(now.AddDays(-1), now.AddDays(1)) : "");
            foreach (var (who, token) in tokens)
            {
                cells++;
                var (status, problemCode, response) = await SendAsync(new ApiClient(http, token), method, path, body);
                var cell = $"{endpoint} with {who}";
                if (who == "a bad tenant")
                {
                    Expect(status == HttpStatusCode.Unauthorized && problemCode == "unauthorized", cell, $"401 unauthorized, got {(int)status} {problemCode}");
                }
                else if (who == "no mapped role")
                {
                    Expect(status == HttpStatusCode.Forbidden && problemCode == "no_role", cell, $"403 no_role, got {(int)status} {problemCode}");
                }
                else if (!allowed.Contains(who))
                {
                    Expect(status == HttpStatusCode.Forbidden && problemCode == "forbidden", cell, $"403 forbidden, got {(int)status} {problemCode}");
                }
                else
                {
                    Expect(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500, cell, $"an answer, got {(int)status} {response}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {cells} cells failed:\n{string.Join("\n", failures)}");

        void Expect(bool holds, string cell, string expected)
        {
            if (!holds)
            {
                failures.Add($"{cell}: expected {expected}");
            }
        }
    }

    private HashSet<string> ApiEndpoints() =>
    [
        .. fixture.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(endpoint => (Route: "/" + endpoint.RoutePattern.RawText!.Trim('/'), Methods: endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(endpoint => endpoint.Route.StartsWith("/api/v1/", StringComparison.Ordinal))
            .SelectMany(endpoint => endpoint.Methods.DefaultIfEmpty("ANY").Select(method => $"{method} {endpoint.Route}")),
    ];

    /// <summary>A day either side of the silo's (fake) clock, which other tests move forward.</summary>
    private string RangeQuery()
    {
        var now = fixture.Time.GetUtcNow();
        return Paths.Range(now.AddDays(-1), now.AddDays(1));
    }

    // Not alice: adding her to a team of the other tenant would make her known there.
    private static string Resolve(string template, string agentId) =>
        template.Replace("{agentId}", agentId, StringComparison.Ordinal).Replace("{teamId}", "matrix-team", StringComparison.Ordinal);

    /// <summary>Starts the agent's session unless it is open (a supervisor cell may have ended it).</summary>
    private static async Task EnsureOpenAsync(ApiClient agent)
    {
        var response = await agent.PostAsync(Paths.MyWorkSession);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"Starting alice's session answered {(int)response.StatusCode}.");
    }

    /// <summary>Sends one request; the event stream is only opened (headers read), never consumed.</summary>
    private static async Task<(HttpStatusCode Status, string? ProblemCode, string Body)> SendAsync(ApiClient caller, HttpMethod method, string path, object? body)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await caller.SendAsync(method, path, body, completion: HttpCompletionOption.ResponseHeadersRead, cancellationToken: timeout.Token);
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            return (response.StatusCode, null, "(event stream)");
        }

        var text = await response.Content.ReadAsStringAsync(timeout.Token);
        var problemCode = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            ? (string?)JsonNode.Parse(text)?["code"]
            : null;
        return (response.StatusCode, problemCode, text);
    }

    /// <summary>The body with the agent id and per-request values taken out, so two answers compare by shape and content.</summary>
    private static string Normalize(string body, string agentId)
    {
        if (string.IsNullOrEmpty(body) || body[0] is not ('{' or '['))
        {
            return body;
        }

        var node = JsonNode.Parse(body)!;
        Scrub(node);
        return node.ToJsonString();

        void Scrub(JsonNode current)
        {
            switch (current)
            {
                case JsonObject obj:
                    obj.Remove("traceId");
                    foreach (var (key, value) in obj.ToList())
                    {
                        if (value is JsonValue leaf && leaf.TryGetValue<string>(out var text))
                        {
                            obj[key] = text.Replace(agentId, "<agent>", StringComparison.Ordinal);
                        }
                        else if (value is not null)
                        {
                            Scrub(value);
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (var item in array.OfType<JsonNode>())
                    {
                        Scrub(item);
                    }

                    break;
            }
        }
    }

    private string? MintToken(TokenKind kind, string tenantId, string userId, string role)
    {
        AuthOptions Options(string key = GatewayFixture.SigningKey, string issuer = GatewayFixture.Issuer, string audience = GatewayFixture.Audience) =>
            new() { SigningKey = key, Issuer = issuer, Audience = audience };

        return kind switch
        {
            TokenKind.None => null,
            TokenKind.Valid => fixture.Token(tenantId, userId, role),
            // Issued two hours ago for one hour: well past the 30-second clock skew. Its own clock, not the silo's.
            TokenKind.Expired => new TokenIssuer(Options(), new FakeTimeProvider(TimeProvider.System.GetUtcNow().AddHours(-2)))
                .Issue(tenantId, userId, [role], TimeSpan.FromHours(1)),
            TokenKind.WrongSignature => new TokenIssuer(Options(key: "another-signing-key-of-the-same-length-0123"), TimeProvider.System)
                .Issue(tenantId, userId, [role], TimeSpan.FromHours(1)),
            TokenKind.WrongIssuer => new TokenIssuer(Options(issuer: "someone-else"), TimeProvider.System).Issue(tenantId, userId, [role], TimeSpan.FromHours(1)),
            TokenKind.WrongAudience => new TokenIssuer(Options(audience: "another-api"), TimeProvider.System).Issue(tenantId, userId, [role], TimeSpan.FromHours(1)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
