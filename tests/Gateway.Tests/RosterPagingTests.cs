using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Apis;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// The supervisor's list of open sessions, paged over HTTP by cursor while the tenant's roster holds entries whose
/// sessions have ended (the agent grain is the authority; docs/architecture.md#the-roster).
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class RosterPagingTests(GatewayFixture fixture)
{
    [Fact]
    public async Task EveryOpenSession_ComesOnce_InAgentIdOrder_AcrossPagesWithStaleRosterEntries()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        string[] open = ["a-1", "a-2", "c-1", "e-1", "e-2", "e-3", "g-1"];
        foreach (var agentId in open)
        {
            await Http.ReadAsync<AgentView>(await tenant.Agent(agentId).PostAsync(Paths.MyWorkSession, new { }), HttpStatusCode.Created);
        }

        // Entries of agents with no open session: one among the open ones, a run longer than several pages, and the end.
        string[] stale = ["b-1", .. Enumerable.Range(1, 9).Select(i => $"d-{i}"), "z-1", "z-2"];
        var grains = fixture.Services.GetRequiredService<IGrainFactory>();
        var held = await grains.GetTenantGrain(tenant.Id).GetPreferences();
        foreach (var agentId in stale)
        {
            // As an agent announces its session; holding the current preferences, so no push checks (and drops) it.
            await grains.GetTenantRoster(tenant.Id).SessionOpened(agentId, Guid.NewGuid(), held);
        }

        await Http.EventuallyAsync(
            async () => (await grains.GetTenantGrain(tenant.Id).GetRosterPage(null, 1)).Count == open.Length + stale.Length,
            "the stale entries on the roster");

        var supervisor = tenant.Supervisor();
        var pages = new List<OpenSessionsPage>();
        var path = Paths.Roster + "&limit=2";
        while (true)
        {
            var page = await Http.ReadAsync<OpenSessionsPage>(await supervisor.GetAsync(path), HttpStatusCode.OK);
            pages.Add(page);
            if (page.NextCursor is null)
            {
                break;
            }

            Assert.True(pages.Count < 20, "the cursor does not move on");
            path = Paths.Roster + "&limit=2&cursor=" + Uri.EscapeDataString(page.NextCursor);
        }

        Assert.Equal(open, pages.SelectMany(page => page.Items).Select(view => view.AgentId));
        Assert.All(pages, page => Assert.InRange(page.Items.Count, 0, 2));
        Assert.All(pages, page => Assert.Equal(open.Length + stale.Length, page.Total));
        Assert.All(pages.SelectMany(page => page.Items), view => Assert.NotEqual(SessionState.None, view.State));

        // A full page tops up past one stale entry; a run of them longer than a few reads leaves a short page whose
        // cursor leads on (here: a-1 a-2 | b-1 stale, c-1 d-1… | …).
        Assert.Equal(["a-1", "a-2"], pages[0].Items.Select(view => view.AgentId));
        Assert.Contains(pages, page => page.Items.Count < 2 && page.NextCursor is not null);
    }

    [Fact]
    public async Task OneLargePage_HoldsEveryOpenSession_AndTheTotal()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var agents = Enumerable.Range(0, 12).Select(i => $"agent-{i:D2}").ToList();
        foreach (var agentId in agents)
        {
            await Http.ReadAsync<AgentView>(await tenant.Agent(agentId).PostAsync(Paths.MyWorkSession, new { }), HttpStatusCode.Created);
        }

        var supervisor = tenant.Supervisor();
        await Http.EventuallyAsync(
            async () => (await Http.ReadAsync<OpenSessionsPage>(await supervisor.GetAsync(Paths.Roster), HttpStatusCode.OK)).Total == agents.Count,
            "every session on the roster");

        var page = await Http.ReadAsync<OpenSessionsPage>(await supervisor.GetAsync(Paths.Roster + "&limit=500"), HttpStatusCode.OK);

        Assert.Equal(agents, page.Items.Select(view => view.AgentId));
        Assert.Null(page.NextCursor);
        Assert.Equal(agents.Count, page.Total);
    }

    [Fact]
    public async Task RosterAndAgentView_GiveTheTimePerStatus_AsOfTheCurrentStatusStart()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var ava = tenant.Agent("ava");
        var started = await Http.ReadAsync<AgentView>(await ava.PostAsync(Paths.MyWorkSession, new { }), HttpStatusCode.Created);
        fixture.Time.Advance(TimeSpan.FromSeconds(5));
        var changed = await Http.ReadAsync<AgentView>(await ava.PutAsync(Paths.MyStatus, new { status = "notReady", reason = "Lunch" }), HttpStatusCode.OK);

        var supervisor = tenant.Supervisor();
        await Http.EventuallyAsync(
            async () => (await Http.ReadAsync<OpenSessionsPage>(await supervisor.GetAsync(Paths.Roster), HttpStatusCode.OK)).Total == 1,
            "the session on the roster");
        var page = JsonNode.Parse(await (await supervisor.GetAsync(Paths.Roster)).Content.ReadAsStringAsync())!;
        var agent = JsonNode.Parse(await (await supervisor.GetAsync(Paths.Agent("ava"))).Content.ReadAsStringAsync())!;

        // Ready for the 5 s up to the change; not ready since then, which is the reader's to add.
        var asOf = started.Session!.StartedAt + TimeSpan.FromSeconds(5);
        Assert.Equal(new StatusTimeView(asOf, 5, 0, 0), changed.Session!.TimeInStatus);
        foreach (var time in new[] { page["items"]![0]!["session"]!["timeInStatus"]!, agent["session"]!["timeInStatus"]! })
        {
            Assert.Equal(["asOf", "readySeconds", "notReadySeconds", "occupiedSeconds"], time.AsObject().Select(property => property.Key));
            Assert.Equal(asOf, time["asOf"]!.GetValue<DateTimeOffset>());
            Assert.Equal((5d, 0d, 0d), (time["readySeconds"]!.GetValue<double>(), time["notReadySeconds"]!.GetValue<double>(), time["occupiedSeconds"]!.GetValue<double>()));
        }
    }

    [Fact]
    public async Task Filters_AndSummary_FollowTheAgents()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var grains = fixture.Services.GetRequiredService<IGrainFactory>();
        await grains.GetTeamGrain(tenant.Id, "red").Put(new TeamDefinition("Red", null, [], new TeamPreferenceOverrides(null, null, null)), null, "admin-1");
        await grains.GetTeamGrain(tenant.Id, "red").ChangeMembers(["Anna", "bob"], [], "admin-1");
        await Http.ReadAsync<AgentView>(await tenant.Agent("Anna").PostAsync(Paths.MyWorkSession, new { status = "ready" }), HttpStatusCode.Created);
        await Http.ReadAsync<AgentView>(await tenant.Agent("bob").PostAsync(Paths.MyWorkSession, new { status = "notReady", reason = "Lunch" }), HttpStatusCode.Created);
        await Http.ReadAsync<AgentView>(await tenant.Agent("hanna").PostAsync(Paths.MyWorkSession, new { status = "notReady", reason = "Break" }), HttpStatusCode.Created);
        await Http.ReadAsync<AgentView>(await tenant.Agent("ivan").PostAsync(Paths.MyWorkSession, new { status = "ready" }), HttpStatusCode.Created);
        var supervisor = tenant.Supervisor();
        await Http.EventuallyAsync(
            async () => JsonNode.Parse(await (await supervisor.GetAsync(Paths.Summary)).Content.ReadAsStringAsync())!["byStatus"]!["notReady"]!.GetValue<int>() == 2,
            "the statuses on the roster");

        async Task<string[]> ListAsync(string query) =>
            [.. (await Http.ReadAsync<OpenSessionsPage>(await supervisor.GetAsync("/api/v1/work-sessions?" + query), HttpStatusCode.OK)).Items.Select(view => view.AgentId)];

        Assert.Equal(["Anna", "bob"], await ListAsync("teamId=red"));
        Assert.Equal(["bob", "hanna"], await ListAsync("status=notReady"));
        Assert.Equal(["Anna", "hanna"], await ListAsync("q=ANN"));
        Assert.Equal(["bob"], await ListAsync("teamId=red&status=notReady&q=o"));
        Assert.Equal(["Anna", "bob", "hanna", "ivan"], await ListAsync("state=active"));
        Assert.Empty(await ListAsync("state=warned"));
        var teamPage = await Http.ReadAsync<OpenSessionsPage>(await supervisor.GetAsync(Paths.Roster + "&teamId=red"), HttpStatusCode.OK);
        Assert.Equal(2, teamPage.Total);

        var summary = JsonNode.Parse(await (await supervisor.GetAsync(Paths.Summary)).Content.ReadAsStringAsync())!;
        Assert.Equal(
            """{"open":4,"byState":{"active":4,"warned":0},"byStatus":{"ready":2,"notReady":2,"occupied":0},"notReadyByReason":{"Break":1,"Lunch":1}}""",
            Sorted(summary).ToJsonString());
        var red = JsonNode.Parse(await (await tenant.Admin().GetAsync(Paths.Summary + "?teamId=red")).Content.ReadAsStringAsync())!;
        Assert.Equal(
            """{"open":2,"byState":{"active":2,"warned":0},"byStatus":{"ready":1,"notReady":1,"occupied":0},"notReadyByReason":{"Lunch":1}}""",
            Sorted(red).ToJsonString());

        // The agent changes status: the filter and the counts follow without the list asking.
        await Http.AssertStatusAsync(await tenant.Agent("ivan").PutAsync(Paths.MyStatus, new { status = "notReady", reason = "Lunch" }), HttpStatusCode.OK);
        await Http.EventuallyAsync(async () => (await ListAsync("status=notReady")).SequenceEqual(["bob", "hanna", "ivan"]), "ivan not ready");
        var after = JsonNode.Parse(await (await supervisor.GetAsync(Paths.Summary)).Content.ReadAsStringAsync())!;
        Assert.Equal(2, after["notReadyByReason"]!["Lunch"]!.GetValue<int>());
    }

    /// <summary>The reasons in order: the grain keeps them in a dictionary, whose order is not the contract.</summary>
    private static JsonNode Sorted(JsonNode summary)
    {
        var reasons = summary["notReadyByReason"]!.AsObject().OrderBy(pair => pair.Key, StringComparer.Ordinal).ToList();
        var sorted = new JsonObject();
        foreach (var (reason, count) in reasons)
        {
            sorted[reason] = count!.GetValue<int>();
        }

        summary["notReadyByReason"] = sorted;
        return summary;
    }
}
