using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using WorkSessions.Contracts;
using WorkSessions.TestSupport;

namespace WorkSessions.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TenantGrainTests(ClusterFixture fixture)
{
    private static readonly WorkSessionPreferences Valid = new(true, true, 60, 30);

    [Fact]
    public async Task NewTenant_HasTheDefaultPreferences()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync());

        var preferences = await tenant.GetPreferences();

        Assert.Equal(new WorkSessionPreferences(false, false, 1800, 180), preferences.Preferences);
        Assert.Equal(0, preferences.Version);
        Assert.Null(preferences.UpdatedBy);
    }

    [Fact]
    public async Task Update_StoresVersionTimeAndAdmin()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync());

        var first = await tenant.UpdatePreferences(Valid, expectedVersion: 0, "admin-1");
        var second = await tenant.UpdatePreferences(Valid with { GracePeriodSeconds = 180 }, expectedVersion: 1, "admin-2");

        Assert.Equal(1, first.Version);
        Assert.Equal(2, second.Version);
        Assert.Equal("admin-2", second.UpdatedBy);
        Assert.Equal(fixture.Time.GetUtcNow(), second.UpdatedAt);
        Assert.Equal(second, await tenant.GetPreferences());
    }

    [Fact]
    public async Task Update_WithAStaleVersion_IsRejectedAndChangesNothing()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync());
        var current = await tenant.UpdatePreferences(Valid, null, "admin-1");

        var error = await Assert.ThrowsAsync<WorkSessionException>(() => tenant.UpdatePreferences(Valid with { AutoEndEnabled = false }, 0, "admin-2"));

        Assert.Equal(ErrorCodes.VersionMismatch, error.Code);
        Assert.Equal(current, await tenant.GetPreferences());
    }

    [Theory]
    [InlineData(0, 30)]
    [InlineData(43201, 30)]
    [InlineData(60, 0)]
    [InlineData(60, 1801)]
    public async Task Update_OutOfBounds_IsRejectedAndChangesNothing(int timeoutSeconds, int graceSeconds)
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync());

        var error = await Assert.ThrowsAsync<WorkSessionException>(
            () => tenant.UpdatePreferences(new WorkSessionPreferences(true, true, timeoutSeconds, graceSeconds), null, "admin-1"));

        Assert.Equal(ErrorCodes.InvalidPreferences, error.Code);
        Assert.Equal(0, (await tenant.GetPreferences()).Version);
    }

    [Fact]
    public async Task Update_StoresTheNotReadyReasonsTrimmed_AndReturnsThemAfterAReactivation()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync());

        var updated = await tenant.UpdatePreferences(Valid with { NotReadyReasons = [" Coaching ", "Lunch"] }, null, "admin-1");

        Assert.Equal(["Coaching", "Lunch"], updated.Preferences.NotReadyReasons.ToArray());
        Assert.Equal(updated, await tenant.GetPreferences());
        Assert.Equal(updated, fixture.Storage.Read<TenantGrainState>(StateNames.Tenant, tenant.GetGrainId())!.Preferences);
        await WaitForPushStoredAsync(tenant, updated.Version);
        await fixture.DeactivateAsync(tenant);
        var reread = await tenant.GetPreferences();
        Assert.Equal(updated, reread);
        Assert.Equal(["Coaching", "Lunch"], reread.Preferences.NotReadyReasons.ToArray());
    }

    [Fact]
    public async Task Update_WithReasonsAgainstTheRules_IsRejectedAndChangesNothing()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync());

        var error = await Assert.ThrowsAsync<WorkSessionException>(
            () => tenant.UpdatePreferences(Valid with { NotReadyReasons = ["Lunch", " lunch"] }, null, "admin-1"));

        Assert.Equal(ErrorCodes.InvalidPreferences, error.Code);
        Assert.Equal("notReadyReasons: reason 2 repeats reason 1.", error.Message);
        Assert.Equal(TenantPreferences.Default, await tenant.GetPreferences());
    }

    [Fact]
    public async Task RowStoredBeforeTheReasonsExisted_Loads_WithTheDefaultReasons_AndTakesUpdates()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync(Valid with { GracePeriodSeconds = 45 }));
        await fixture.DeactivateAsync(tenant);
        var stored = JsonNode.Parse(fixture.Storage.ReadJson(StateNames.Tenant, tenant.GetGrainId())!)!;
        Assert.True(JsonProperties.RemoveEverywhere(stored, "notReadyReasons") >= 1, "The stored row holds the reasons.");
        fixture.Storage.OverwriteJson(StateNames.Tenant, tenant.GetGrainId(), stored.ToJsonString());

        var loaded = await tenant.GetPreferences();

        Assert.Equal(1, loaded.Version);
        Assert.Equal(Valid with { GracePeriodSeconds = 45 }, loaded.Preferences);
        Assert.Equal(["Break", "Lunch", "Training", "Meeting"], loaded.Preferences.NotReadyReasons.ToArray());
        var updated = await tenant.UpdatePreferences(Valid with { NotReadyReasons = ["Coaching"] }, 1, "admin-2");
        Assert.Equal(["Coaching"], (await tenant.GetPreferences()).Preferences.NotReadyReasons.ToArray());
        Assert.Equal(updated, fixture.Storage.Read<TenantGrainState>(StateNames.Tenant, tenant.GetGrainId())!.Preferences);
    }

    [Fact]
    public void Preferences_RoundTripThroughTheOrleansSerializer()
    {
        var serializer = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<Serializer>();
        var preferences = new TenantPreferences(Valid with { NotReadyReasons = ["Coaching", "Lunch"] }, 3, fixture.Time.GetUtcNow(), "admin-1");

        var copy = serializer.Deserialize<TenantPreferences>(serializer.SerializeToArray(preferences));

        Assert.Equal(preferences, copy);
        Assert.Equal(["Coaching", "Lunch"], copy!.Preferences.NotReadyReasons.ToArray());
        Assert.Equal(TenantPreferences.Default, serializer.Deserialize<TenantPreferences>(serializer.SerializeToArray(TenantPreferences.Default)));
    }

    [Fact]
    public async Task Roster_ListsAgentsWithOpenSessions()
    {
        var tenantId = await fixture.NewTenantAsync(Valid);
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        await fixture.Agent(tenantId, "bob").StartSession(AgentStatus.Ready, null);
        await fixture.Agent(tenantId, "alice").StartSession(AgentStatus.Ready, null);
        await WaitUntilAsync(async () => (await RosterOf(tenant)).Count == 2);

        await fixture.Agent(tenantId, "bob").EndSession(Actor.Admin("admin-1"), null);
        await WaitUntilAsync(async () => (await RosterOf(tenant)).Count == 1);

        Assert.Equal(["alice"], await RosterOf(tenant));
    }

    [Fact]
    public async Task RosterOfFiftyThousand_PagesByCursor_EachAgentOnceInAgentIdOrder()
    {
        var tenantId = await fixture.NewTenantAsync();
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        var held = await tenant.GetPreferences();

        // Announced in no particular order, with ids whose ordinal order is not their culture's ('A' before 'a').
        var ids = Enumerable.Range(0, 50_000)
            .Select(i => (i % 3) switch { 0 => $"agent-{i}", 1 => $"Agent.{i}", _ => $"a.{i}@example" })
            .OrderBy(_ => Random.Shared.Next())
            .ToList();
        await AnnounceAsync(tenantId, ids, held);

        var pages = new List<RosterPage>();
        string? after = null;
        do
        {
            var page = await tenant.GetRosterPage(after, 500);
            pages.Add(page);
            after = page.NextAfter;
            Assert.True(pages.Count <= 100, "more pages than 50,000 ids at 500 a page");
        }
        while (after is not null);

        Assert.Equal(100, pages.Count);
        Assert.All(pages, page => Assert.Equal(50_000, page.Count));
        Assert.All(pages, page => Assert.Equal(500, page.AgentIds.Count));
        Assert.All(pages[..^1], page => Assert.Equal(page.AgentIds[^1], page.NextAfter));
        Assert.Equal(ids.Order(StringComparer.Ordinal), pages.SelectMany(page => page.AgentIds));
    }

    [Fact]
    public async Task RosterPages_FollowTheRoster_AsSessionsOpenAndCloseBetweenThem()
    {
        var tenantId = await fixture.NewTenantAsync();
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        var roster = fixture.Grains.GetTenantRoster(tenantId);
        var held = await tenant.GetPreferences();
        var sessions = Enumerable.Range(0, 10).ToDictionary(i => $"agent-{i}", _ => Guid.NewGuid());
        await AnnounceAsync(tenantId, sessions.Keys, held, sessions);

        var first = await tenant.GetRosterPage(null, 4);
        Assert.Equal(["agent-0", "agent-1", "agent-2", "agent-3"], first.AgentIds);

        // Behind the cursor: not seen again. Ahead of it: seen as they are when the next page is read, and a cursor
        // whose agent has left still marks the position.
        await roster.SessionClosed("agent-3", sessions["agent-3"]);
        await roster.SessionClosed("agent-5", sessions["agent-5"]);
        await roster.SessionClosed("agent-6", Guid.NewGuid());
        await roster.SessionOpened("agent-00", Guid.NewGuid(), held);
        await roster.SessionOpened("agent-000", Guid.NewGuid(), held);
        await roster.SessionOpened("agent-55", Guid.NewGuid(), held);
        string[] now = ["agent-0", "agent-00", "agent-000", "agent-1", "agent-2", "agent-4", "agent-55", "agent-6", "agent-7", "agent-8", "agent-9"];
        await WaitUntilAsync(async () => (await tenant.GetRosterPage(null, 20)).AgentIds.SequenceEqual(now));

        var second = await tenant.GetRosterPage(first.NextAfter, 4);
        var last = await tenant.GetRosterPage(second.NextAfter, 4);

        Assert.Equal(["agent-4", "agent-55", "agent-6", "agent-7"], second.AgentIds);
        Assert.Equal("agent-7", second.NextAfter);
        Assert.Equal(["agent-8", "agent-9"], last.AgentIds);
        Assert.Null(last.NextAfter);
        Assert.Equal(11, last.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(RosterPage.MaxLimit + 1)]
    public async Task RosterPage_OutOfBoundsLimit_IsInvalidArgument(int limit)
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync());

        var error = await Assert.ThrowsAsync<WorkSessionException>(() => tenant.GetRosterPage(null, limit));

        Assert.Equal(ErrorCodes.InvalidArgument, error.Code);
    }

    /// <summary>
    /// Puts agents on the roster the way their grains announce an open session, holding the tenant's current
    /// preferences so that no push follows, and waits until the last has landed.
    /// </summary>
    private async Task AnnounceAsync(string tenantId, IEnumerable<string> agentIds, TenantPreferences held, IReadOnlyDictionary<string, Guid>? sessions = null)
    {
        var roster = fixture.Grains.GetTenantRoster(tenantId);
        var count = 0;
        foreach (var agentId in agentIds)
        {
            await roster.SessionOpened(agentId, sessions?[agentId] ?? Guid.NewGuid(), held);
            count++;
        }

        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        await Eventually.UntilAsync(
            () => tenant.GetRosterPage(null, 1),
            page => page.Count == count,
            TimeSpan.FromSeconds(60),
            $"{count} agents on the roster",
            poll: TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public async Task RosterChanges_WriteNothing_AndTheRosterSurvivesDeactivation()
    {
        var tenantId = await fixture.NewTenantAsync(Valid);
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        await WaitForPushStoredAsync(tenant, 1);
        var writesBefore = fixture.Storage.WritesOf(tenant.GetGrainId());
        for (var i = 0; i < 50; i++)
        {
            await fixture.Agent(tenantId, $"agent-{i}").StartSession(AgentStatus.Ready, null);
        }

        await fixture.Agent(tenantId, "agent-0").EndSession(Actor.Agent("agent-0"), null);
        await WaitUntilAsync(async () => (await RosterOf(tenant)).Count == 49);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30));
        await tenant.GetRosterPage(null, 1);
        Assert.Equal(writesBefore, fixture.Storage.WritesOf(tenant.GetGrainId()));

        // A new activation knows what the report tables know: every session start and end delivered so far.
        await OpenSessionsReportedAsync(tenantId, 49);
        await fixture.DeactivateAsync(tenant);

        var roster = await RosterOf(tenant);
        Assert.Equal(49, roster.Count);
        Assert.DoesNotContain("agent-0", roster);
    }

    [Fact]
    public async Task Update_AnswersBeforeTheAgentsAreUpdated_WhileOneOfThemIsStuck()
    {
        var tenantId = await fixture.NewTenantAsync(Valid);
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        var alice = fixture.Agent(tenantId, "alice");
        var bob = fixture.Agent(tenantId, "bob");
        await alice.StartSession(AgentStatus.Ready, null);
        await bob.StartSession(AgentStatus.Ready, null);
        await WaitUntilAsync(async () => (await RosterOf(tenant)).Count == 2);
        var release = fixture.Storage.HoldWrites(alice.GetGrainId());
        try
        {
            // Turning the feature off ends both sessions: alice's end cannot be stored while her writes are held.
            var updated = await tenant.UpdatePreferences(Valid with { WorkSessionsEnabled = false }, null, "admin-1")
                .WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(2, updated.Version);
            Assert.Equal(updated, await tenant.GetPreferences());
            // The push goes on past alice, who is still busy with it.
            await Eventually.UntilAsync(() => bob.GetSnapshot(), view => view.State == SessionState.None, TimeSpan.FromSeconds(10), "bob's session to end");
        }
        finally
        {
            release();
        }

        await Eventually.UntilAsync(() => alice.GetSnapshot(), view => view.State == SessionState.None, TimeSpan.FromSeconds(10), "alice's session to end");
        await WaitForPushStoredAsync(tenant, 2);
    }

    [Fact]
    public async Task PushCutOffBeforeItReachedTheAgents_ResumesWhenTheTenantActivates()
    {
        var tenantId = await fixture.NewTenantAsync(Valid);
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        var alice = fixture.Agent(tenantId, "alice");
        var bob = fixture.Agent(tenantId, "bob");
        await alice.StartSession(AgentStatus.Ready, null);
        await bob.StartSession(AgentStatus.Ready, null);
        await WaitForPushStoredAsync(tenant, 1);
        await OpenSessionsReportedAsync(tenantId, 2);

        // The silo stored version 2 and went down before pushing it: the row says version 1 reached the agents.
        await fixture.DeactivateAsync(tenant);
        var stored = fixture.Storage.Read<TenantGrainState>(StateNames.Tenant, tenant.GetGrainId())!;
        stored.Preferences = new TenantPreferences(Valid with { WorkSessionsEnabled = false }, 2, fixture.Time.GetUtcNow(), "admin-1");
        fixture.Storage.Overwrite(StateNames.Tenant, tenant.GetGrainId(), stored);

        Assert.Equal(2, (await tenant.GetPreferences()).Version);

        // No clock moves: no wake-up tick brings the change, only the resumed push.
        foreach (var agent in new[] { alice, bob })
        {
            await Eventually.UntilAsync(() => agent.GetSnapshot(), view => view.State == SessionState.None, TimeSpan.FromSeconds(10), "the session to end");
        }

        await WaitForPushStoredAsync(tenant, 2);
    }

    [Fact]
    public async Task Push_ToAnAgentWithADueActivityCheckpoint_WritesNothing()
    {
        var noAutoEnd = Valid with { AutoEndEnabled = false, InactivityTimeoutSeconds = 1800 };
        var tenantId = await fixture.NewTenantAsync(noAutoEnd);
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        var alice = fixture.Agent(tenantId, "alice");
        await alice.StartSession(AgentStatus.Ready, null);
        await fixture.AdvanceAsync(TimeSpan.FromMinutes(6));

        // Activity since the stored checkpoint is older than its interval: the agent's next command would write it.
        await alice.RecordActivity();
        var writes = fixture.Storage.WritesOf(alice.GetGrainId());

        await tenant.UpdatePreferences(noAutoEnd with { InactivityTimeoutSeconds = 1200 }, null, "admin-1");
        await WaitForPushStoredAsync(tenant, 2);

        Assert.Equal(writes, fixture.Storage.WritesOf(alice.GetGrainId()));
    }

    [Fact]
    public async Task PushMakingAThousandAgentsDue_WarnsEveryOneAtTheChange_WithoutWaitingForTheirWritesInTurn()
    {
        const int agents = 1_000;
        var manual = Valid with { AutoEndEnabled = false };
        var tenantId = await fixture.NewTenantAsync(manual);
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        var all = Enumerable.Range(0, agents).Select(i => fixture.Agent(tenantId, $"agent-{i:D4}")).ToList();
        await Task.WhenAll(all.Select(agent => agent.StartSession(AgentStatus.Ready, null)));
        await WaitUntilAsync(async () => (await tenant.GetRosterSummary(null)).Open == agents);
        // Idle longer than the timeout about to be set, not as long as a wake-up period.
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(5));

        // The database stalls for every agent: a push that waited for each agent's write would stop at its concurrency.
        var release = fixture.Storage.HoldWrites(all.Select(agent => agent.GetGrainId()));
        TenantPreferences changed;
        try
        {
            changed = await tenant.UpdatePreferences(manual with { AutoEndEnabled = true, InactivityTimeoutSeconds = 1 }, null, "admin-1");

            // The push reached every agent, and every agent decided its prompt: all 1,000 writes are in flight at once.
            await WaitForPushStoredAsync(tenant, changed.Version);
            await Eventually.UntilAsync(
                () => Task.FromResult(fixture.Storage.WaitingAtHold),
                waiting => waiting == agents,
                TimeSpan.FromSeconds(10),
                "every agent's prompt to be waiting for its write",
                poll: TimeSpan.FromMilliseconds(10));
        }
        finally
        {
            release();
        }

        // No clock moved since the change: the timeout was past, so each prompt is dated the change, with the full grace period.
        var changedAt = changed.UpdatedAt!.Value;
        foreach (var agent in all)
        {
            var view = await Eventually.UntilAsync(
                () => agent.GetSnapshot(), view => view.State == SessionState.Warned, TimeSpan.FromSeconds(10), "the agent to be warned");
            Assert.Equal(new PromptView(changedAt, changedAt + TimeSpan.FromSeconds(Valid.GracePeriodSeconds)), view.Prompt);
        }

        Assert.Equal(changedAt, fixture.Time.GetUtcNow());
    }

    /// <summary>The push of <paramref name="version"/> reached every agent and its completion is stored.</summary>
    private Task WaitForPushStoredAsync(ITenantGrain tenant, long version) =>
        Eventually.UntilAsync(
            () => Task.FromResult(fixture.Storage.Read<TenantGrainState>(StateNames.Tenant, tenant.GetGrainId())?.PushedVersion),
            pushed => pushed == version,
            TimeSpan.FromSeconds(10),
            $"the push of version {version} to complete",
            poll: TimeSpan.FromMilliseconds(10));

    private Task OpenSessionsReportedAsync(string tenantId, int count) =>
        Eventually.UntilAsync(
            () => fixture.ReportStore.ReadOpenSessionsAsync(tenantId, CancellationToken.None),
            open => open.Count == count,
            TimeSpan.FromSeconds(10),
            $"{count} open sessions in the report tables",
            poll: TimeSpan.FromMilliseconds(20));

    /// <summary>The whole roster of a small tenant: one page.</summary>
    private static async Task<IReadOnlyList<string>> RosterOf(ITenantGrain tenant)
    {
        var page = await tenant.GetRosterPage(null, RosterPage.MaxLimit);
        Assert.Null(page.NextAfter);
        return page.AgentIds;
    }

    /// <summary>Agents update the roster with one-way calls: nothing tells when they land, so ask until they have.</summary>
    private static Task WaitUntilAsync(Func<Task<bool>> condition) =>
        Eventually.UntilAsync(condition, done => done, TimeSpan.FromSeconds(10), "the roster to change", TimeSpan.FromMilliseconds(10));

    [Fact]
    public async Task RowWrittenBehindItsBack_IsReloaded_AndTheUpdateApplies()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync(Valid));
        var elsewhere = new TenantGrainState
        {
            Preferences = new TenantPreferences(Valid with { GracePeriodSeconds = 90 }, 4, fixture.Time.GetUtcNow(), "admin-9"),
        };
        fixture.Storage.Overwrite(StateNames.Tenant, tenant.GetGrainId(), elsewhere);

        var updated = await tenant.UpdatePreferences(Valid with { InactivityTimeoutSeconds = 120 }, null, "admin-1");
        var again = await tenant.UpdatePreferences(Valid, updated.Version, "admin-1");

        Assert.Equal(5, updated.Version);
        Assert.Equal(6, again.Version);
        Assert.Equal(again, fixture.Storage.Read<TenantGrainState>(StateNames.Tenant, tenant.GetGrainId())!.Preferences);
    }

    [Fact]
    public async Task RowWrittenBehindItsBack_StillRejectsAnUpdateMadeAgainstTheOldVersion()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync(Valid));
        var elsewhere = new TenantGrainState { Preferences = new TenantPreferences(Valid, 4, fixture.Time.GetUtcNow(), "admin-9") };
        fixture.Storage.Overwrite(StateNames.Tenant, tenant.GetGrainId(), elsewhere);

        var error = await Assert.ThrowsAsync<WorkSessionException>(() => tenant.UpdatePreferences(Valid with { AutoEndEnabled = false }, 1, "admin-1"));

        Assert.Equal(ErrorCodes.VersionMismatch, error.Code);
        Assert.Equal(4, (await tenant.GetPreferences()).Version);
    }

    [Fact]
    public void PublicGrainContracts_OfferOnlyWhatClientsMayCall()
    {
        // Grain-to-grain plumbing (preference pushes, roster upkeep) lives on internal interfaces in src/Grains.
        string[] agent = [.. typeof(IAgentGrain).GetMethods().Select(m => m.Name).Order()];
        string[] tenant = [.. typeof(ITenantGrain).GetMethods().Select(m => m.Name).Order()];
        string[] team = [.. typeof(ITeamGrain).GetMethods().Select(m => m.Name).Order()];

        Assert.Equal(
            ["BeginEngagement", "ClientConnected", "ClientDisconnected", "Continue", "EndEngagement", "EndSession", "FindSnapshot", "GetEffectivePreferences", "GetSnapshot", "RecordActivity", "SetStatus", "StartSession", "Subscribe", "Unsubscribe", "get_ObserverLease", "get_PresenceReannounceWindow"],
            agent);
        Assert.Equal(["GetPreferences", "GetRosterPage", "GetRosterPage", "GetRosterSummary", "UpdatePreferences"], tenant);
        Assert.Equal(["ChangeMembers", "Delete", "Get", "GetMembers", "Put"], team);
        Assert.False(typeof(IAgentPreferencesTarget).IsPublic);
        Assert.False(typeof(ITeamMembership).IsPublic);
        Assert.False(typeof(ITenantRoster).IsPublic);
        Assert.False(typeof(IAgentPresenceTarget).IsPublic);
        Assert.False(typeof(IGatewayLeaseWatch).IsPublic);
    }
}
