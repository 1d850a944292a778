using WorkSessions.Contracts;
using WorkSessions.TestSupport;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// The roster's filters, paging and counts (docs/architecture.md#the-roster): agents on fake time tell their tenant of
/// their team, status and state; the tenant filters, pages and counts without asking them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RosterFilterTests(ClusterFixture fixture)
{
    private static readonly WorkSessionPreferences Tenant = new(true, true, InactivityTimeoutSeconds: 60, GracePeriodSeconds: 600);

    private static TeamDefinition Team(string name) => new(name, null, ["sup-1"], new TeamPreferenceOverrides(null, null, null));

    [Fact]
    public async Task Summary_FollowsStartsStatusChangesWarningsTeamMovesAndEnds()
    {
        var tenantId = await fixture.NewTenantAsync(Tenant);
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        await fixture.Grains.GetTeamGrain(tenantId, "red").Put(Team("Red"), null, "admin-1");
        await fixture.Grains.GetTeamGrain(tenantId, "blue").Put(Team("Blue"), null, "admin-1");
        await fixture.Grains.GetTeamGrain(tenantId, "red").ChangeMembers(["alice", "bob"], [], "admin-1");
        await fixture.Grains.GetTeamGrain(tenantId, "blue").ChangeMembers(["carol"], [], "admin-1");

        await fixture.Agent(tenantId, "alice").StartSession(AgentStatus.Ready, null);
        await fixture.Agent(tenantId, "bob").StartSession(AgentStatus.NotReady, "Lunch");
        await fixture.Agent(tenantId, "carol").StartSession(AgentStatus.Ready, null);
        await fixture.Agent(tenantId, "dave").StartSession(AgentStatus.NotReady, "Break");
        await SummaryIsAsync(tenant, null, new(4, 4, 0, 2, 2, 0, new Dictionary<string, int> { ["Lunch"] = 1, ["Break"] = 1 }));
        await SummaryIsAsync(tenant, ["red"], new(2, 2, 0, 1, 1, 0, new Dictionary<string, int> { ["Lunch"] = 1 }));
        await SummaryIsAsync(tenant, ["blue", "red", "blue"], new(3, 3, 0, 2, 1, 0, new Dictionary<string, int> { ["Lunch"] = 1 }));

        // A status change and an engagement (occupied, no inactivity clock), then the timeout warns the other three.
        await fixture.Agent(tenantId, "dave").SetStatus(AgentStatus.NotReady, "Lunch");
        await fixture.Agent(tenantId, "carol").BeginEngagement("call-1");
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(60));
        await SummaryIsAsync(tenant, null, new(4, 1, 3, 1, 2, 1, new Dictionary<string, int> { ["Lunch"] = 2 }));

        // Bob moves to blue; alice answers the prompt and then ends.
        await fixture.Grains.GetTeamGrain(tenantId, "blue").ChangeMembers(["bob"], [], "admin-1");
        await fixture.Agent(tenantId, "alice").Continue();
        await SummaryIsAsync(tenant, ["red"], new(1, 1, 0, 1, 0, 0, new Dictionary<string, int>()));
        await SummaryIsAsync(tenant, ["blue"], new(2, 1, 1, 0, 1, 1, new Dictionary<string, int> { ["Lunch"] = 1 }));
        await fixture.Agent(tenantId, "alice").EndSession(Actor.Agent("alice"), null);

        await SummaryIsAsync(tenant, null, new(3, 1, 2, 0, 2, 1, new Dictionary<string, int> { ["Lunch"] = 2 }));
        await SummaryIsAsync(tenant, ["red"], new(0, 0, 0, 0, 0, 0, new Dictionary<string, int>()));
        await SummaryIsAsync(tenant, [], new(0, 0, 0, 0, 0, 0, new Dictionary<string, int>()));
    }

    [Fact]
    public async Task FilteredPages_FollowTheAgents_TeamStatusStateAndSearch()
    {
        var tenantId = await fixture.NewTenantAsync(Tenant);
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        await fixture.Grains.GetTeamGrain(tenantId, "red").Put(Team("Red"), null, "admin-1");
        await fixture.Grains.GetTeamGrain(tenantId, "red").ChangeMembers(["Anna", "bob", "zoe"], [], "admin-1");
        foreach (var agentId in new[] { "Anna", "bob", "zoe", "hanna", "ivan" })
        {
            await fixture.Agent(tenantId, agentId).StartSession(agentId == "bob" ? AgentStatus.NotReady : AgentStatus.Ready, agentId == "bob" ? "Lunch" : null);
        }

        await PageIsAsync(tenant, new RosterQuery(TeamIds: ["red"]), ["Anna", "bob", "zoe"]);
        await PageIsAsync(tenant, new RosterQuery(Status: AgentStatus.Ready), ["Anna", "hanna", "ivan", "zoe"]);
        await PageIsAsync(tenant, new RosterQuery(Search: "ANN"), ["Anna", "hanna"]);
        await PageIsAsync(tenant, new RosterQuery(TeamIds: ["red"], Search: "n"), ["Anna"]);

        // Zoe's status, hanna's team and ivan's warning reach the filters without a page asking them.
        await fixture.Agent(tenantId, "zoe").SetStatus(AgentStatus.NotReady, "Break");
        await fixture.Grains.GetTeamGrain(tenantId, "red").ChangeMembers(["hanna"], ["Anna"], "admin-1");
        await fixture.Agent(tenantId, "bob").SetStatus(AgentStatus.Ready, null);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30));
        foreach (var agentId in new[] { "Anna", "bob", "zoe", "hanna" })
        {
            await fixture.Agent(tenantId, agentId).RecordActivity();
        }

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30));
        await PageIsAsync(tenant, new RosterQuery(TeamIds: ["red"]), ["bob", "hanna", "zoe"]);
        await PageIsAsync(tenant, new RosterQuery(TeamIds: ["red"], Status: AgentStatus.NotReady), ["zoe"]);
        await PageIsAsync(tenant, new RosterQuery(State: SessionState.Warned), ["ivan"]);
        await PageIsAsync(tenant, new RosterQuery(State: SessionState.Active, Status: AgentStatus.Ready), ["Anna", "bob", "hanna"]);
    }

    [Fact]
    public async Task TeamSetPages_MergeTheTeamsInAgentIdOrder_ByCursor_AcrossChangesBetweenPages()
    {
        var tenantId = await fixture.NewTenantAsync();
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        var roster = fixture.Grains.GetTenantRoster(tenantId);
        var held = await tenant.GetPreferences();
        var sessions = new Dictionary<string, Guid>();
        for (var i = 0; i < 1_000; i++)
        {
            var agentId = $"agent-{i:D4}";
            sessions[agentId] = Guid.NewGuid();
            await roster.SessionChanged(agentId, Facts(sessions[agentId], $"team-{i % 10}", i % 3 == 0 ? AgentStatus.NotReady : AgentStatus.Ready), held);
        }

        await UntilAsync(() => tenant.GetRosterPage(null, 1), page => page.Count == 1_000, "1,000 agents on the roster");
        var query = new RosterQuery(TeamIds: ["team-3", "team-7", "team-9", "team-3"]);
        var first = await tenant.GetRosterPage(query, null, 100);
        Assert.Equal(300, first.Count);
        Assert.Equal(Enumerable.Range(0, 334).Where(i => i % 10 is 3 or 7 or 9).Select(i => $"agent-{i:D4}"), first.AgentIds);
        Assert.Equal("agent-0333", first.NextAfter);

        // Behind the cursor: agent-0000 joins team-3, not seen. Ahead of it: agent-0997 leaves team-7 and agent-0503
        // ends, both not seen; agent-0500 joins team-3 from team-0, seen.
        await roster.SessionChanged("agent-0997", Facts(sessions["agent-0997"], "team-1", AgentStatus.Ready), held);
        await roster.SessionChanged("agent-0000", Facts(sessions["agent-0000"], "team-3", AgentStatus.Ready), held);
        await roster.SessionChanged("agent-0500", Facts(sessions["agent-0500"], "team-3", AgentStatus.Ready), held);
        await roster.SessionClosed("agent-0503", sessions["agent-0503"]);
        await UntilAsync(
            async () => ((await tenant.GetRosterSummary(["team-3"])).Open, (await tenant.GetRosterSummary(["team-7"])).Open),
            open => open == (101, 99),
            "the moves to land");

        var rest = new List<string>();
        var after = first.NextAfter;
        while (after is not null)
        {
            var page = await tenant.GetRosterPage(query, after, 100);
            Assert.InRange(page.AgentIds.Count, 1, 100);
            Assert.Equal(300, page.Count);
            rest.AddRange(page.AgentIds);
            after = page.NextAfter;
        }

        var expected = Enumerable.Range(334, 666)
            .Where(i => (i % 10 is 3 or 7 or 9 || i == 500) && i is not 503 and not 997)
            .Select(i => $"agent-{i:D4}");
        Assert.Equal(expected, rest);
        Assert.Empty((await tenant.GetRosterPage(new RosterQuery(TeamIds: ["team-none"]), null, 10)).AgentIds);
    }

    [Fact]
    public async Task SearchPage_WithFewMatches_ReadsAtMostTheScanBudget_AndItsCursorLeadsToTheMatch()
    {
        var tenantId = await fixture.NewTenantAsync();
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        var roster = fixture.Grains.GetTenantRoster(tenantId);
        var held = await tenant.GetPreferences();
        const int agents = (2 * RosterPage.ScanBudget) + 500;
        for (var i = 0; i < agents; i++)
        {
            roster.SessionChanged($"agent-{i:D5}", Facts(Guid.NewGuid(), null, AgentStatus.Ready), held).Ignore();
        }

        await roster.SessionChanged("zz-Needle", Facts(Guid.NewGuid(), null, AgentStatus.Ready), held);
        await UntilAsync(() => tenant.GetRosterPage(null, 1), page => page.Count == agents + 1, "the agents on the roster");

        var pages = new List<RosterPage>();
        string? after = null;
        do
        {
            var page = await tenant.GetRosterPage(new RosterQuery(Search: "needle"), after, 50);
            pages.Add(page);
            after = page.NextAfter;
        }
        while (after is not null && pages.Count < 10);

        // Each read covers at most the budget: two empty pages with a cursor, then the match and the end.
        Assert.Equal(3, pages.Count);
        Assert.Equal($"agent-{RosterPage.ScanBudget - 1:D5}", pages[0].NextAfter);
        Assert.Empty(pages[0].AgentIds);
        Assert.Empty(pages[1].AgentIds);
        Assert.Equal(["zz-Needle"], pages[2].AgentIds);
        Assert.Null(pages[2].NextAfter);
    }

    [Fact]
    public async Task Roster_RebuiltOnReactivation_CountsOpenAtOnce_AndStatusOnceTheAgentsReannounce()
    {
        var tenantId = await fixture.NewTenantAsync(Tenant with { InactivityTimeoutSeconds = 3600 });
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        await fixture.Grains.GetTeamGrain(tenantId, "red").Put(Team("Red"), null, "admin-1");
        await fixture.Grains.GetTeamGrain(tenantId, "red").ChangeMembers(["agent-0", "agent-1"], [], "admin-1");
        for (var i = 0; i < 5; i++)
        {
            await fixture.Agent(tenantId, $"agent-{i}").StartSession(i == 4 ? AgentStatus.NotReady : AgentStatus.Ready, i == 4 ? "Lunch" : null);
        }

        var full = new RosterSummary(5, 5, 0, 4, 1, 0, new Dictionary<string, int> { ["Lunch"] = 1 });
        await SummaryIsAsync(tenant, null, full);
        await UntilAsync(() => fixture.ReportStore.ReadOpenSessionsAsync(tenantId, CancellationToken.None), open => open.Count == 5, "5 open sessions reported");

        await fixture.DeactivateAsync(tenant);

        // The report tables give the sessions, not their status: open at once, the rest once the tenant, a period after it
        // activated, asks those agents to tell it again.
        var rebuilt = await tenant.GetRosterSummary(null);
        Assert.Equal(5, rebuilt.Open);
        Assert.Equal(0, rebuilt.Ready + rebuilt.NotReady);
        await fixture.AdvanceAsync(TimeSpan.FromMinutes(1));
        await SummaryIsAsync(tenant, null, full);
        await SummaryIsAsync(tenant, ["red"], new(2, 2, 0, 2, 0, 0, new Dictionary<string, int>()));
        await PageIsAsync(tenant, new RosterQuery(Status: AgentStatus.NotReady), ["agent-4"]);
    }

    [Theory]
    [InlineData(AgentStatus.Offline, null, null, null, ErrorCodes.InvalidArgument)]
    [InlineData(null, SessionState.None, null, null, ErrorCodes.InvalidArgument)]
    [InlineData(null, null, "a b", null, ErrorCodes.InvalidArgument)]
    [InlineData(null, null, "", null, ErrorCodes.InvalidArgument)]
    [InlineData(null, null, null, "Red Team", ErrorCodes.InvalidId)]
    public async Task InvalidQuery_IsRejectedWithItsCode(AgentStatus? status, SessionState? state, string? search, string? teamId, string code)
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync());
        var query = new RosterQuery(teamId is null ? null : [teamId], status, state, search);

        var error = await Assert.ThrowsAsync<WorkSessionException>(() => tenant.GetRosterPage(query, null, 10));

        Assert.Equal(code, error.Code);
        if (teamId is not null)
        {
            Assert.Equal(code, (await Assert.ThrowsAsync<WorkSessionException>(() => tenant.GetRosterSummary([teamId]))).Code);
        }
    }

    private static RosterFacts Facts(Guid sessionId, string? teamId, AgentStatus status) =>
        new(sessionId, teamId, status, status == AgentStatus.NotReady ? "Break" : null, SessionState.Active);

    /// <summary>Agents tell the roster one-way: ask until the summary is the one expected, then compare it whole.</summary>
    private static async Task SummaryIsAsync(ITenantGrain tenant, IReadOnlyList<string>? teamIds, RosterSummary expected)
    {
        var summary = await UntilAsync(() => tenant.GetRosterSummary(teamIds), summary => Same(summary, expected), $"the summary of {string.Join(",", teamIds ?? ["all"])}");
        Assert.True(Same(summary, expected));
    }

    private static bool Same(RosterSummary actual, RosterSummary expected) =>
        actual with { NotReadyByReason = expected.NotReadyByReason } == expected
        && actual.NotReadyByReason.OrderBy(pair => pair.Key).SequenceEqual(expected.NotReadyByReason.OrderBy(pair => pair.Key));

    /// <summary>The whole list the query selects, read in pages of two, once the one-way messages have landed.</summary>
    private static Task PageIsAsync(ITenantGrain tenant, RosterQuery query, string[] expected) =>
        UntilAsync(() => ReadAllAsync(tenant, query), ids => ids.SequenceEqual(expected), $"the roster of {query} to be {string.Join(",", expected)}");

    private static async Task<List<string>> ReadAllAsync(ITenantGrain tenant, RosterQuery query)
    {
        var ids = new List<string>();
        string? after = null;
        do
        {
            var page = await tenant.GetRosterPage(query, after, 2);
            ids.AddRange(page.AgentIds);
            after = page.NextAfter;
        }
        while (after is not null);
        return ids;
    }

    private static Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what) =>
        Eventually.UntilAsync(read, done, TimeSpan.FromSeconds(30), what, poll: TimeSpan.FromMilliseconds(20));
}
