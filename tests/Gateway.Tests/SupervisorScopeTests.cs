using System.Net;
using System.Text.Json.Nodes;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.TestSupport;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// <c>supervisorScope</c> (docs/http-api.md#teams): under <c>teams</c> a supervisor sees the agents and teams of the
/// teams that list them; everything else answers exactly as an agent or a team never seen. Admins, and every supervisor
/// under <c>tenant</c>, see the whole tenant.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class SupervisorScopeTests(GatewayFixture fixture)
{
    private const string Inside = "alice";
    private const string Outside = "bob";
    private const string NoTeam = "carol";
    private const string Ghost = "ghost";

    /// <summary>Every supervisor route that names an agent, with the body it needs. Ending comes last: it ends the session.</summary>
    private (HttpMethod Method, Func<string, string> Path, object? Body)[] AgentRoutes =>
    [
        (HttpMethod.Get, Paths.Agent, null),
        (HttpMethod.Get, agentId => $"/api/v1/agents/{agentId}/preferences", null),
        (HttpMethod.Get, agentId => Paths.StatusHistory(agentId) + "?" + RangeQuery(), null),
        (HttpMethod.Get, agentId => Paths.StatusHistory(agentId) + "?format=csv&" + RangeQuery(), null),
        (HttpMethod.Post, Paths.EndAgent, new { note = "scope" }),
    ];

    /// <summary>Forty days either side of the silo's (fake) clock, which other tests move forward.</summary>
    private string RangeQuery() => Paths.Range(fixture.Time.GetUtcNow().AddDays(-40), fixture.Time.GetUtcNow().AddDays(40));

    /// <summary>Every supervisor route that names a team.</summary>
    private static readonly Func<string, string>[] TeamRoutes = [teamId => $"/api/v1/teams/{teamId}", teamId => $"/api/v1/teams/{teamId}/members"];

    [Fact]
    public async Task ScopedSupervisor_GetsTheUnknownAgentsAnswerForAgentsOutsideTheirTeams_And200Inside()
    {
        var tenant = await ScopedTenantAsync(SupervisorScope.Teams);
        var supervisor = tenant.Supervisor("sup-red");
        var failures = new List<string>();

        foreach (var (method, path, body) in AgentRoutes)
        {
            var ghost = await SendAsync(supervisor, method, path(Ghost), body);
            foreach (var agentId in new[] { Outside, NoTeam })
            {
                var answer = await SendAsync(supervisor, method, path(agentId), body);
                if (answer.Status != ghost.Status || Scrub(answer.Body, agentId) != Scrub(ghost.Body, Ghost))
                {
                    failures.Add($"{method} {path(agentId)}: {(int)answer.Status} {answer.Body}, an unknown agent gets {(int)ghost.Status} {ghost.Body}");
                }
            }

            var inside = await SendAsync(supervisor, method, path(Inside), body);
            if (inside.Status != HttpStatusCode.OK || Scrub(inside.Body, Inside) == Scrub(ghost.Body, Ghost))
            {
                failures.Add($"{method} {path(Inside)}: expected 200 and more than an unknown agent gets, got {(int)inside.Status} {inside.Body}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        var bob = await Http.ReadAsync<JsonObject>(await tenant.Admin().GetAsync(Paths.Agent(Outside)), HttpStatusCode.OK);
        Assert.Equal("active", (string?)bob["state"]);
    }

    [Fact]
    public async Task ScopedSupervisor_ListsOnlyTheirTeams_AndAnotherTeamIsTheUnknownTeamsAnswer()
    {
        var tenant = await ScopedTenantAsync(SupervisorScope.Teams);
        var supervisor = tenant.Supervisor("sup-red");

        var list = await Http.ReadAsync<JsonObject>(await supervisor.GetAsync("/api/v1/teams"), HttpStatusCode.OK);

        Assert.Equal(["red"], list["items"]!.AsArray().Select(team => (string?)team!["teamId"]));
        foreach (var route in TeamRoutes)
        {
            var unknown = await SendAsync(supervisor, HttpMethod.Get, route("nosuch"), null);
            var other = await SendAsync(supervisor, HttpMethod.Get, route("blue"), null);
            Assert.Equal(HttpStatusCode.NotFound, other.Status);
            Assert.Equal(Scrub(unknown.Body, "nosuch"), Scrub(other.Body, "blue"));
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(supervisor, HttpMethod.Get, route("red"), null)).Status);
        }
    }

    [Fact]
    public async Task ScopedSupervisor_SeesOnlyTheirTeams_InTheRosterTheSummaryTheReportsAndTheFeed()
    {
        var tenant = await ScopedTenantAsync(SupervisorScope.Teams);
        var supervisor = tenant.Supervisor("sup-red");
        var admin = tenant.Admin();
        var sessions = Paths.SessionsReport + "?" + RangeQuery();

        // Each list, as the admin reads it (the whole tenant, once delivered) and as the scoped supervisor does.
        async Task<string[]> AgentsAsync(ApiClient caller, string path) =>
            [.. (await Http.ReadAsync<JsonObject>(await caller.GetAsync(path), HttpStatusCode.OK))["items"]!.AsArray()
                .Select(item => (string?)item!["agentId"]).OfType<string>().Distinct().Order(StringComparer.Ordinal)];
        await Http.EventuallyAsync(
            async () => (await AgentsAsync(admin, Paths.Roster)).Length == 3 && (await AgentsAsync(admin, sessions)).Length == 3,
            "the three sessions on the roster and in the sessions report");

        Assert.Equal([Inside], await AgentsAsync(supervisor, Paths.Roster));
        Assert.Equal([Inside], await AgentsAsync(supervisor, sessions));
        Assert.Equal([Inside], await AgentsAsync(supervisor, Paths.Feed + "?after=0&limit=1000"));
        Assert.Equal([Inside], await AgentsAsync(supervisor, Paths.Timecards + "?" + RangeQuery()));
        var summary = await Http.ReadAsync<JsonObject>(await supervisor.GetAsync(Paths.Summary), HttpStatusCode.OK);
        Assert.Equal(1, (int)summary["open"]!);

        // Another team's filter selects nothing, as a team with no sessions does; their own narrows as for anyone.
        Assert.Empty(await AgentsAsync(supervisor, Paths.Roster + "&teamId=blue"));
        Assert.Empty(await AgentsAsync(supervisor, sessions + "&teamId=blue"));
        Assert.Empty(await AgentsAsync(supervisor, Paths.Feed + "?after=0&limit=1000&teamId=blue"));
        Assert.Equal(0, (int)(await Http.ReadAsync<JsonObject>(await supervisor.GetAsync(Paths.Summary + "?teamId=blue"), HttpStatusCode.OK))["open"]!);
        Assert.Equal([Inside], await AgentsAsync(supervisor, Paths.Roster + "&teamId=red"));

        // A supervisor no team lists sees nobody.
        Assert.Empty(await AgentsAsync(tenant.Supervisor("sup-none"), Paths.Roster));
        Assert.Equal(0, (int)(await Http.ReadAsync<JsonObject>(await tenant.Supervisor("sup-none").GetAsync(Paths.Summary), HttpStatusCode.OK))["open"]!);
    }

    [Theory]
    [InlineData(SupervisorScope.Tenant, "sup-red")]
    [InlineData(SupervisorScope.Teams, "admin")]
    public async Task TenantScope_OrAnAdmin_SeesEveryAgentAndTeam(SupervisorScope scope, string who)
    {
        var tenant = await ScopedTenantAsync(scope);
        var caller = who == "admin" ? tenant.Admin("admin-2") : tenant.Supervisor(who);

        foreach (var agentId in new[] { Inside, Outside, NoTeam })
        {
            foreach (var (method, path, body) in AgentRoutes.Where(route => route.Method == HttpMethod.Get))
            {
                Assert.Equal(HttpStatusCode.OK, (await SendAsync(caller, method, path(agentId), body)).Status);
            }
        }

        foreach (var route in TeamRoutes)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(caller, HttpMethod.Get, route("blue"), null)).Status);
        }

        var list = await Http.ReadAsync<JsonObject>(await caller.GetAsync("/api/v1/teams"), HttpStatusCode.OK);
        Assert.Equal(["blue", "red"], list["items"]!.AsArray().Select(team => (string?)team!["teamId"]));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(caller, HttpMethod.Post, Paths.EndAgent(Outside), new { note = "in scope" })).Status);
    }

    [Fact]
    public async Task SupervisorScope_IsStoredVersionedAndInTheHistory_KeptWhenLeftOut_AndAnUnknownValueIs400()
    {
        var tenant = fixture.NewTenant();
        var admin = tenant.Admin();
        var settings = new { workSessionsEnabled = true, autoEndEnabled = false, inactivityTimeoutSeconds = 600, gracePeriodSeconds = 60 };

        await Http.AssertProblemAsync(
            await admin.PutAsync(Paths.Preferences, new { settings.workSessionsEnabled, settings.autoEndEnabled, settings.inactivityTimeoutSeconds, settings.gracePeriodSeconds, supervisorScope = "team" }),
            HttpStatusCode.BadRequest, ErrorCodes.InvalidPreferences);
        Assert.Equal("tenant", (string?)(await Http.ReadAsync<JsonObject>(await admin.GetAsync(Paths.Preferences), HttpStatusCode.OK))["supervisorScope"]);

        var scoped = await Http.ReadAsync<JsonObject>(
            await admin.PutAsync(Paths.Preferences, new { settings.workSessionsEnabled, settings.autoEndEnabled, settings.inactivityTimeoutSeconds, settings.gracePeriodSeconds, supervisorScope = "teams" }),
            HttpStatusCode.OK);
        var kept = await Http.ReadAsync<JsonObject>(await admin.PutAsync(Paths.Preferences, settings), HttpStatusCode.OK);

        Assert.Equal(("teams", 1L), ((string?)scoped["supervisorScope"], (long)scoped["version"]!));
        Assert.Equal(("teams", 2L), ((string?)kept["supervisorScope"], (long)kept["version"]!));
        await Http.EventuallyAsync(
            async () =>
            {
                var history = await Http.ReadAsync<JsonObject>(await admin.GetAsync(Paths.PreferenceHistory), HttpStatusCode.OK);
                return history["items"]!.AsArray().Select(change => ((long)change!["version"]!, (string?)change["supervisorScope"])).SequenceEqual([(2L, "teams"), (1L, "teams")]);
            },
            "both changes in the history with their scope");
    }

    /// <summary>
    /// A tenant with teams red (supervised by sup-red, with alice) and blue (supervised by sup-blue, with bob), carol in
    /// no team; all three have an open session and a status history.
    /// </summary>
    private async Task<TestTenant> ScopedTenantAsync(SupervisorScope scope)
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var admin = tenant.Admin();
        await Http.AssertStatusAsync(await admin.PutAsync("/api/v1/teams/red", new { name = "Red", supervisors = new[] { "sup-red" } }), HttpStatusCode.Created);
        await Http.AssertStatusAsync(await admin.PutAsync("/api/v1/teams/blue", new { name = "Blue", supervisors = new[] { "sup-blue" } }), HttpStatusCode.Created);
        await Http.AssertStatusAsync(await admin.PostAsync("/api/v1/teams/red/members", new { add = new[] { Inside } }), HttpStatusCode.OK);
        await Http.AssertStatusAsync(await admin.PostAsync("/api/v1/teams/blue/members", new { add = new[] { Outside } }), HttpStatusCode.OK);
        foreach (var agentId in new[] { Inside, Outside, NoTeam })
        {
            await Http.AssertStatusAsync(await tenant.Agent(agentId).PostAsync(Paths.MyWorkSession, new { status = "ready" }), HttpStatusCode.Created);
            await Eventually.UntilAsync(
                async () => (await Http.ReadAsync<ReportPage<StatusHistoryItem>>(
                    await admin.GetAsync(Paths.StatusHistory(agentId) + "?" + RangeQuery()), HttpStatusCode.OK)).Items.Count,
                count => count > 0, TimeSpan.FromSeconds(30), $"{agentId}'s status history to be delivered");
        }

        var response = await admin.PutAsync(Paths.Preferences, new
        {
            workSessionsEnabled = true,
            autoEndEnabled = false,
            inactivityTimeoutSeconds = 60,
            gracePeriodSeconds = 30,
            supervisorScope = scope == SupervisorScope.Teams ? "teams" : "tenant",
        });
        await Http.AssertStatusAsync(response, HttpStatusCode.OK);
        return tenant;
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(ApiClient caller, HttpMethod method, string path, object? body)
    {
        using var response = await caller.SendAsync(method, path, body);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The body with the id it names and the per-request trace id taken out, so two answers compare by content.</summary>
    private static string Scrub(string body, string id)
    {
        if (body.Length == 0 || body[0] != '{')
        {
            return body.Replace(id, "<id>", StringComparison.Ordinal);
        }

        var node = JsonNode.Parse(body)!.AsObject();
        node.Remove("traceId");
        return node.ToJsonString().Replace(id, "<id>", StringComparison.Ordinal);
    }
}
