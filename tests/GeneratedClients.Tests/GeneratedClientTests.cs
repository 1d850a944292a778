using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Errors;
using WorkSessions.Gateway.Tests;
using WorkSessions.TestSupport;

namespace WorkSessions.GeneratedClients.Tests;

[CollectionDefinition(Name)]
public sealed class GeneratedClientsCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "generated-clients";
}

/// <summary>
/// What an API client team does with the document: generate a client with Kiota or NSwag and walk the seed flow, every
/// report, the event feed's pages and every problem code. Each response is also checked against the served document.
/// </summary>
[Collection(GeneratedClientsCollection.Name)]
public sealed class GeneratedClientTests(GatewayFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static TheoryData<string> Clients() => ["kiota", "nswag"];

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task SeedFlow_ReportsAndFeed(string client)
    {
        var tenant = GatewayFixture.NewTenantId();
        using var callers = new Callers(client, fixture, tenant);
        var (admin, supervisor, alice) = (callers.Admin, callers.Supervisor, callers.Agent("alice"));
        var from = Iso(fixture.Time.GetUtcNow() - TimeSpan.FromHours(1));

        // The admin turns work sessions on, then changes them with the ETag read back (If-Match).
        var first = await admin.PutPreferencesAsync(enabled: true, autoEnd: true, timeout: 60, grace: 30);
        Assert.Equal((1L, "\"1\"", true, true, 60, 30), (first.Version, first.ETag, first.WorkSessionsEnabled, first.AutoEndEnabled, first.InactivityTimeoutSeconds, first.GracePeriodSeconds));
        var read = await admin.GetPreferencesAsync();
        Assert.Equal("\"1\"", read.ETag);
        var second = await admin.PutPreferencesAsync(enabled: true, autoEnd: true, timeout: 60, grace: 30, ifMatch: read.ETag);
        Assert.Equal((2L, "\"2\""), (second.Version, second.ETag));
        Assert.Contains("Lunch", await alice.GetStatusReasonsAsync());

        // The agent starts (nothing in the body), starts again (the same session), sends a heartbeat.
        Assert.Equal("none", (await alice.GetMineAsync()).State);
        var started = await alice.StartAsync();
        Assert.Equal(("alice", "active", "ready"), (started.AgentId, started.State, started.Status));
        var again = await alice.StartAsync("notReady", "Lunch");
        Assert.Equal((started.SessionId, "ready"), (again.SessionId, again.Status));
        await alice.HeartbeatAsync();

        // Status changes with and without a reason.
        var notReady = await alice.SetStatusAsync("notReady", "Lunch");
        Assert.Equal(("notReady", "Lunch"), (notReady.Status, notReady.StatusReason));
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(5));
        var ready = await alice.SetStatusAsync("ready");
        Assert.Equal(("ready", (string?)null), (ready.Status, ready.StatusReason));

        // Idle until the deadline: the prompt, then Continue.
        await fixture.AdvanceAsync(Timeout);
        var warned = await alice.GetMineAsync();
        Assert.Equal("warned", warned.State);
        Assert.NotNull(warned.PromptDeadline);
        var continued = await alice.ContinueAsync();
        Assert.Equal(("active", (DateTimeOffset?)null), (continued.State, continued.PromptDeadline));

        // The supervisor sees the roster and the agent, and ends the session with a note.
        var roster = await supervisor.RosterAsync(limit: 10);
        Assert.Equal(["alice"], roster.Items.Select(view => view.AgentId));
        Assert.Equal(started.SessionId, (await supervisor.GetAgentAsync("alice")).SessionId);
        var endedWithNote = await supervisor.EndAgentAsync("alice", "shift over");
        Assert.Equal((started.SessionId!.Value, "endedBySupervisor", "sup-1", "shift over"), (endedWithNote.SessionId, endedWithNote.EndReason, endedWithNote.EndedBy, endedWithNote.Note));

        // Again without a note; then the agent ends a third session. A second apart, so the report's start order is theirs.
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        await alice.StartAsync();
        var endedWithoutNote = await supervisor.EndAgentAsync("alice", note: null);
        Assert.Equal(("endedBySupervisor", (string?)null), (endedWithoutNote.EndReason, endedWithoutNote.Note));
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        var third = await alice.StartAsync();
        var endedByAgent = await alice.EndMineAsync();
        Assert.Equal((third.SessionId!.Value, "agentEnded", "alice"), (endedByAgent.SessionId, endedByAgent.EndReason, endedByAgent.EndedBy));
        Assert.Empty((await supervisor.RosterAsync()).Items);

        var to = Iso(fixture.Time.GetUtcNow() + TimeSpan.FromHours(1));

        // Reports: the rows arrive shortly after (each agent's outbox delivers them).
        var sessions = await EventuallyAsync(() => AllPagesAsync(cursor => supervisor.SessionsAsync(from, to, cursor: cursor, limit: 1)), rows => rows.Count == 3, "three sessions in the report");
        Assert.Equal(["endedBySupervisor", "endedBySupervisor", "agentEnded"], sessions.Select(row => row.EndReason));
        Assert.Equal(["shift over", null, null], sessions.Select(row => row.Note));
        var agentEnded = await supervisor.SessionsAsync(from, to, agentId: "alice", endReason: "agentEnded");
        Assert.Equal([third.SessionId.Value], agentEnded.Items.Select(row => row.SessionId));

        var timecards = await EventuallyAsync(() => AllPagesAsync(cursor => supervisor.TimecardsAsync(from, to, "Europe/Berlin", cursor, limit: 1)), rows => rows.Sum(row => row.Sessions) == 3, "three sessions on the timecards");
        Assert.All(timecards, row => Assert.Equal("alice", row.AgentId));
        Assert.True(timecards.Sum(row => row.SessionSeconds) > 0);
        Assert.Equal(5, timecards.Sum(row => row.NotReadyByReason.GetValueOrDefault("Lunch")));

        var history = await EventuallyAsync(() => AllPagesAsync(cursor => supervisor.StatusHistoryAsync("alice", from, to, cursor, limit: 2)), rows => rows.Count >= 8, "alice's status changes");
        Assert.Contains(new StatusChange("ready", "notReady", "Lunch", "agent", "alice"), history);
        Assert.Contains(history, change => change is { To: "offline", ActorRole: "supervisor", ActorUserId: "sup-1" });

        var concurrency = await supervisor.ConcurrencyAsync(from, to, "PT1H");
        Assert.True(concurrency.Items.Count >= 2, $"{concurrency.Items.Count} intervals");
        Assert.Null(concurrency.NextCursor);
        Assert.Equal(1, concurrency.Items.Max(row => row.Peak));

        var changes = await EventuallyAsync(() => AllPagesAsync(cursor => admin.PreferenceHistoryAsync(cursor, limit: 1)), rows => rows.Count == 2, "two preference changes");
        Assert.Equal([2L, 1L], changes.Select(change => change.Version));
        Assert.All(changes, change => Assert.Equal(("admin-1", true, 60), (change.UpdatedBy, change.WorkSessionsEnabled, change.InactivityTimeoutSeconds)));

        // The event feed, page by page: every kind, with its enums read as enums.
        var feed = await EventuallyAsync(() => FeedPagesAsync(supervisor), events => events.Count(e => e.Kind == "session-ended") == 3, "the feed's three session ends");
        Assert.Equal(feed.OrderBy(e => e.Position).Select(e => e.Position), feed.Select(e => e.Position));
        Assert.Equal([1L, 2L], feed.Where(e => e.Kind == "preferences-changed").Select(e => e.PreferencesVersion));
        Assert.Equal(["endedBySupervisor", "endedBySupervisor", "agentEnded"], feed.Where(e => e.Kind == "session-ended").Select(e => e.EndReason));
        Assert.Contains(feed, e => e is { Kind: "status-changed", From: "ready", To: "notReady", Reason: "Lunch" });
        Assert.Contains(feed, e => e is { Kind: "inactivity-warning", AgentId: "alice" });
        Assert.Contains(feed, e => e is { Kind: "warning-cleared", Cause: "continued" });
        Assert.Equal(3, feed.Count(e => e.Kind == "session-started"));
    }

    /// <summary>Every problem code the document declares, provoked and read through each client's own problem type.</summary>
    [Theory]
    [MemberData(nameof(Clients))]
    public async Task EveryDeclaredProblemCode_IsReadThroughTheGeneratedClient(string client)
    {
        var tenant = GatewayFixture.NewTenantId();
        using var callers = new Callers(client, fixture, tenant);
        var (admin, supervisor, agent) = (callers.Admin, callers.Supervisor, callers.Agent("pat"));
        var now = fixture.Time.GetUtcNow();
        var (from, to) = (Iso(now - TimeSpan.FromHours(1)), Iso(now + TimeSpan.FromHours(1)));

        // Before the feature is on.
        var provoked = new Dictionary<string, Problem>
        {
            [ErrorCodes.WorkSessionsDisabled] = await agent.ProblemOfAsync(caller => caller.StartAsync()),
        };
        await admin.PutPreferencesAsync(enabled: true, autoEnd: false, timeout: 60, grace: 30);

        async Task Provoke(string code, IApiCaller caller, Func<IApiCaller, Task> call) => provoked[code] = await caller.ProblemOfAsync(call);

        await Provoke(Problems.InvalidRequest, admin, caller =>
        {
            caller.Tamper.NextRequest = request => request.Content = new StringContent("{\"workSessionsEnabled\":tru", Encoding.UTF8, "application/json");
            return caller.PutPreferencesAsync(true, false, 60, 30);
        });
        await Provoke(ErrorCodes.InvalidId, supervisor, caller => caller.GetAgentAsync("not*an*id"));
        await Provoke(ErrorCodes.InvalidStatus, agent, caller => caller.SetStatusAsync("occupied"));
        await Provoke(ErrorCodes.InvalidPreferences, admin, caller => caller.PutPreferencesAsync(true, true, 0, 30));
        await Provoke(ErrorCodes.InvalidArgument, supervisor, caller => caller.SessionsAsync(from, to, limit: 5000));
        await Provoke(ErrorCodes.InvalidRange, supervisor, caller => caller.SessionsAsync(to, from));
        await Provoke(ErrorCodes.InvalidCursor, supervisor, caller => caller.SessionsAsync(from, to, cursor: "not-a-cursor"));
        await Provoke(ErrorCodes.InvalidTimeZone, supervisor, caller => caller.TimecardsAsync(from, to, "Mars/Olympus_Mons"));
        await Provoke(ErrorCodes.InvalidInterval, supervisor, caller => caller.ConcurrencyAsync(from, to, "P1M"));
        await Provoke(Problems.Unauthorized, callers.Anonymous, caller => caller.GetMineAsync());
        await Provoke(Problems.Forbidden, agent, caller => caller.RosterAsync());
        await Provoke(Problems.NoRole, callers.Roleless, caller => caller.GetMineAsync());
        await Provoke(ErrorCodes.AgentNotFound, supervisor, caller => caller.GetAgentAsync("never-seen"));
        await Provoke(ErrorCodes.NoOpenSession, agent, caller => caller.HeartbeatAsync());
        await Provoke(ErrorCodes.VersionMismatch, admin, caller => caller.PutPreferencesAsync(true, false, 60, 30, ifMatch: "\"999\""));
        await Provoke(Problems.PayloadTooLarge, supervisor, caller =>
        {
            caller.Tamper.NextRequest = request => request.Content = new StringContent($"{{\"note\":\"{new string('n', GatewayFixture.MaxRequestBodyBytes)}\"}}", Encoding.UTF8, "application/json");
            return caller.EndAgentAsync("pat", "x");
        });
        await Provoke(Problems.UnsupportedMediaType, admin, caller =>
        {
            caller.Tamper.NextRequest = request => request.Content = new StringContent("{}", Encoding.UTF8, "text/plain");
            return caller.PutPreferencesAsync(true, false, 60, 30);
        });
        var busy = callers.Agent("busy");
        await busy.StartAsync();
        for (var heartbeat = 0; heartbeat < GatewayFixture.HeartbeatBurst; heartbeat++)
        {
            await busy.HeartbeatAsync();
        }

        await Provoke(Problems.RateLimited, busy, caller => caller.HeartbeatAsync());

        await Provoke(ErrorCodes.InvalidWebhookUrl, admin, caller => caller.CreateWebhookAsync("https://10.0.0.1/hook"));
        await Provoke(ErrorCodes.WebhookNotFound, admin, caller => caller.GetWebhookAsync(Guid.NewGuid().ToString("N")));
        await Provoke(ErrorCodes.TeamNotFound, supervisor, caller => caller.GetTeamAsync("no-such-team"));
        for (var endpoint = 0; endpoint < 10; endpoint++)
        {
            var webhookId = await admin.CreateWebhookAsync($"https://hooks.example.com/{endpoint}");
            Assert.Equal($"https://hooks.example.com/{endpoint}", await admin.GetWebhookAsync(webhookId));
        }

        await Provoke(ErrorCodes.WebhookLimit, admin, caller => caller.CreateWebhookAsync("https://hooks.example.com/eleventh"));

        // No request from outside causes these: a storage race, a bug and a cluster that is away. The answers are the
        // Gateway's own problem writer's, so the client reads what it would read from the Gateway.
        foreach (var code in new[] { Problems.ConcurrentUpdate, Problems.InternalError, Problems.ServiceUnavailable })
        {
            await Provoke(code, agent, caller =>
            {
                caller.Tamper.NextResponse = _ => CannedProblem(code);
                return caller.EndMineAsync();
            });
        }

        foreach (var (code, problem) in provoked)
        {
            Assert.Equal((Problems.StatusFor(code), code, Problems.For(code).Title), (problem.Status, problem.Code, problem.Title));
        }

        Assert.Equal(DeclaredCodes().Order(StringComparer.Ordinal), provoked.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>Every code a problem response of docs/openapi.json lists (<c>x-problem-codes</c>).</summary>
    private static HashSet<string> DeclaredCodes()
    {
        var document = JsonNode.Parse(File.ReadAllText(Path.Combine(OpenApiContractTests.RepositoryRoot(), "docs", "openapi.json")))!;
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, path) in document["paths"]!.AsObject())
        {
            foreach (var (_, operation) in path!.AsObject())
            {
                foreach (var (_, response) in operation!["responses"]!.AsObject())
                {
                    foreach (var code in response!["x-problem-codes"]?.AsArray() ?? [])
                    {
                        codes.Add((string)code!);
                    }
                }
            }
        }

        return codes;
    }

    private static HttpResponseMessage CannedProblem(string code)
    {
        var type = Problems.For(code);
        var body = new JsonObject { ["title"] = type.Title, ["status"] = type.Status, ["detail"] = type.Detail, ["code"] = code, ["traceId"] = "00-canned" };
        return new HttpResponseMessage((HttpStatusCode)type.Status) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/problem+json") };
    }

    private static async Task<List<FeedLine>> FeedPagesAsync(IApiCaller supervisor)
    {
        var events = new List<FeedLine>();
        string? after = "0";
        while (after is not null)
        {
            var page = await supervisor.EventsAsync(after, limit: 3);
            Assert.True(page.Items.Count <= 3);
            events.AddRange(page.Items);
            after = page.NextCursor;
        }

        return events;
    }

    private static async Task<List<T>> AllPagesAsync<T>(Func<string?, Task<Page<T>>> page)
    {
        var rows = new List<T>();
        string? cursor = null;
        do
        {
            var next = await page(cursor);
            rows.AddRange(next.Items);
            cursor = next.NextCursor;
        }
        while (cursor is not null);
        return rows;
    }

    private static Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what) =>
        Eventually.UntilAsync(read, done, TimeSpan.FromSeconds(60), what, TimeSpan.FromMilliseconds(50));

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The callers of one tenant through one generated client.</summary>
    private sealed class Callers(string client, GatewayFixture fixture, string tenant) : IDisposable
    {
        private readonly List<IDisposable> _created = [];

        public IApiCaller Admin { get; } = Create(client, fixture, fixture.Token(tenant, "admin-1", "admin"));

        public IApiCaller Supervisor { get; } = Create(client, fixture, fixture.Token(tenant, "sup-1", "supervisor"));

        public IApiCaller Anonymous { get; } = Create(client, fixture, token: null);

        /// <summary>A valid token of the tenant with no role in it.</summary>
        public IApiCaller Roleless { get; } = Create(client, fixture, fixture.Token(tenant, "nobody"));

        public IApiCaller Agent(string agentId)
        {
            var agent = Create(client, fixture, fixture.Token(tenant, agentId, "agent"));
            _created.Add((IDisposable)agent);
            return agent;
        }

        public void Dispose()
        {
            foreach (var caller in _created.Concat([(IDisposable)Admin, (IDisposable)Supervisor, (IDisposable)Anonymous, (IDisposable)Roleless]))
            {
                caller.Dispose();
            }
        }

        private static IApiCaller Create(string client, GatewayFixture fixture, string? token) => client switch
        {
            "kiota" => new KiotaCaller(fixture.Http.BaseAddress!, token),
            "nswag" => new NSwagCaller(fixture.Http.BaseAddress!, token),
            _ => throw new ArgumentOutOfRangeException(nameof(client), client, "kiota or nswag"),
        };
    }
}
