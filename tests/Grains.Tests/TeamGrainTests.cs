using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Domain;
using WorkSessions.TestSupport;

namespace WorkSessions.Grains.Tests;

/// <summary>Teams and per-team deadlines on fake time, exact to the second (docs/architecture.md#teams).</summary>
[Collection(ClusterCollection.Name)]
public sealed class TeamGrainTests(ClusterFixture fixture)
{
    private static readonly WorkSessionPreferences Tenant = new(true, true, InactivityTimeoutSeconds: 600, GracePeriodSeconds: 30);
    private static readonly TimeSpan Push = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WakeUpPeriod = new WorkSessions.Hosting.WorkSessionsOptions().WakeUpReminderPeriod;

    private static TeamDefinition Team(int? timeoutSeconds = null, int? graceSeconds = null, bool? autoEnd = null, string name = "Night") =>
        new(name, null, ["sup-1"], new TeamPreferenceOverrides(autoEnd, timeoutSeconds, graceSeconds));

    private ITeamGrain TeamGrain(string tenant, string teamId) => fixture.Grains.GetTeamGrain(tenant, teamId);

    /// <summary>
    /// Advances the clock one wake-up period at a time, each time until the agent's tick has completed (a tick asks the
    /// agent's team): no tick is still under way when the test changes the team behind the agent's back. The agent's
    /// wake-up must be armed, its session started when the clock was last moved by whole periods.
    /// </summary>
    private async Task AdvanceTickByTickAsync(IAgentGrain agent, TimeSpan duration)
    {
        for (; duration >= WakeUpPeriod; duration -= WakeUpPeriod)
        {
            // A period at a time, each answered by the agent before the next, so its timers keep up with the clock.
            await fixture.AdvanceAsync(WakeUpPeriod);
            await agent.GetSnapshot();
        }

        await fixture.AdvanceAsync(duration);
    }

    [Fact]
    public async Task AgentInATeamWithA120SecondTimeout_WarnsAt120_WhileATenantDefaultAgentWarnsAtTheTenantsTimeout()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        await TeamGrain(tenant, "night").Put(Team(timeoutSeconds: 120), null, "admin-1");
        await TeamGrain(tenant, "night").ChangeMembers(["bob"], [], "admin-1");
        var bob = fixture.Agent(tenant, "bob");
        var alice = fixture.Agent(tenant, "alice");
        await bob.StartSession(AgentStatus.Ready, null);
        await alice.StartSession(AgentStatus.Ready, null);
        var startedAt = fixture.Time.GetUtcNow();

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(119));
        Assert.Equal(SessionState.Active, (await bob.GetSnapshot()).State);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));

        var bobView = await bob.GetSnapshot();
        Assert.Equal(new PromptView(startedAt.AddSeconds(120), startedAt.AddSeconds(150)), bobView.Prompt);
        Assert.Equal("night", bobView.TeamId);
        Assert.Equal(SessionState.Active, (await alice.GetSnapshot()).State);

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(479));
        Assert.Equal(SessionState.Active, (await alice.GetSnapshot()).State);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        var aliceView = await alice.GetSnapshot();
        Assert.Equal(new PromptView(startedAt.AddSeconds(600), startedAt.AddSeconds(630)), aliceView.Prompt);
        Assert.Null(aliceView.TeamId);
    }

    [Fact]
    public async Task WarnedAgentMovedToATeamWithALongerGrace_KeepsTheLongerOne()
    {
        var tenant = await fixture.NewTenantAsync(Tenant with { InactivityTimeoutSeconds = 60 });
        await TeamGrain(tenant, "short").Put(Team(graceSeconds: 10), null, "admin-1");
        await TeamGrain(tenant, "long").Put(Team(graceSeconds: 300), null, "admin-1");
        await TeamGrain(tenant, "short").ChangeMembers(["alice"], [], "admin-1");
        var alice = fixture.Agent(tenant, "alice");
        await alice.StartSession(AgentStatus.Ready, null);
        var startedAt = fixture.Time.GetUtcNow();
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(new PromptView(startedAt.AddSeconds(60), startedAt.AddSeconds(70)), (await alice.GetSnapshot()).Prompt);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(5));

        var change = await TeamGrain(tenant, "long").ChangeMembers(["alice"], [], "admin-1");

        Assert.Equal(new TeamMembersChange(Added: 0, Removed: 0, Moved: 1), change);
        Assert.Equal(new PromptView(startedAt.AddSeconds(60), startedAt.AddSeconds(360)), (await alice.GetSnapshot()).Prompt);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(294));
        Assert.Equal(SessionState.Warned, (await alice.GetSnapshot()).State);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(SessionState.None, (await alice.GetSnapshot()).State);
        await Eventually.UntilAsync(
            () => TeamGrain(tenant, "short").GetMembers(null, 10), page => page.AgentIds.Count == 0, Push, "alice to leave her previous team");
    }

    [Fact]
    public async Task DeletingATeam_RevertsItsAgentsToTheTenantsPreferences_AndATimeoutAlreadyPastWarnsNow()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        var team = TeamGrain(tenant, "day");
        await team.Put(Team(timeoutSeconds: 3600), null, "admin-1");
        await team.ChangeMembers(["alice"], [], "admin-1");
        var alice = fixture.Agent(tenant, "alice");
        await alice.StartSession(AgentStatus.Ready, null);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(700));
        Assert.Equal(SessionState.Active, (await alice.GetSnapshot()).State);
        var deletedAt = fixture.Time.GetUtcNow();

        await team.Delete(null, "admin-2");

        var view = await Eventually.UntilAsync(alice.GetSnapshot, v => v.TeamId is null, Push, "the delete to reach alice");
        Assert.Equal(new PromptView(deletedAt, deletedAt.AddSeconds(30)), view.Prompt);
        var effective = await alice.GetEffectivePreferences();
        Assert.Equal((Tenant, (string?)null), (effective.Preferences, effective.TeamId));
        Assert.Equal(new PreferenceSources(PreferenceSource.Tenant, PreferenceSource.Tenant, PreferenceSource.Tenant), effective.Source);
        Assert.Null(await team.Get());
        Assert.Equal(ErrorCodes.TeamNotFound, (await Assert.ThrowsAsync<WorkSessionException>(() => team.GetMembers(null, 10))).Code);
    }

    [Fact]
    public async Task ATeamsChange_ReachesItsOpenSessions_AndATimeoutAlreadyPastWarnsNow()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        var team = TeamGrain(tenant, "night");
        var created = await team.Put(Team(timeoutSeconds: 600), null, "admin-1");
        await team.ChangeMembers(["alice"], [], "admin-1");
        var alice = fixture.Agent(tenant, "alice");
        await alice.StartSession(AgentStatus.Ready, null);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(200));
        var changedAt = fixture.Time.GetUtcNow();

        await team.Put(Team(timeoutSeconds: 120, graceSeconds: 45), created.Team.Version + 1, "admin-1");

        var view = await Eventually.UntilAsync(alice.GetSnapshot, v => v.State == SessionState.Warned, Push, "the change to reach alice");
        Assert.Equal(new PromptView(changedAt, changedAt.AddSeconds(45)), view.Prompt);
        var effective = await alice.GetEffectivePreferences();
        Assert.Equal((120, 45, "night"), (effective.Preferences.InactivityTimeoutSeconds, effective.Preferences.GracePeriodSeconds, effective.TeamId));
        Assert.Equal(new PreferenceSources(PreferenceSource.Tenant, PreferenceSource.Team, PreferenceSource.Team), effective.Source);
    }

    [Fact]
    public async Task AnAgentJoiningWithoutASession_StartsUnderItsTeamsTimeout_AfterADeactivation()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        await TeamGrain(tenant, "night").Put(Team(timeoutSeconds: 90), null, "admin-1");
        await TeamGrain(tenant, "night").ChangeMembers(["carol"], [], "admin-1");
        var carol = fixture.Agent(tenant, "carol");
        await fixture.DeactivateAsync(carol);

        await carol.StartSession(AgentStatus.Ready, null);
        var startedAt = fixture.Time.GetUtcNow();
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(new PromptView(startedAt.AddSeconds(90), startedAt.AddSeconds(120)), (await carol.GetSnapshot()).Prompt);
    }

    [Fact]
    public async Task AnActivation_AsksItsTeam_SoADeleteWhosePushWasLostStillRevertsTheAgent()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        var team = TeamGrain(tenant, "day");
        await team.Put(Team(timeoutSeconds: 3600), null, "admin-1");
        await team.ChangeMembers(["alice"], [], "admin-1");
        var alice = fixture.Agent(tenant, "alice");
        await alice.StartSession(AgentStatus.Ready, null);
        await AdvanceTickByTickAsync(alice, TimeSpan.FromSeconds(700));

        // The team's row says it is deleted and every member was told, but alice never heard (a push lost with a silo).
        fixture.Storage.Overwrite(StateNames.Team, team.GetGrainId(), new TeamGrainState { Version = 3, PushedVersion = 3 });
        await fixture.DeactivateAsync(team);
        await fixture.DeactivateAsync(alice);
        var activatedAt = fixture.Time.GetUtcNow();

        Assert.Null((await alice.GetSnapshot()).TeamId);

        // The activation counts as activity (the recovery rule); from then on the tenant's 600 s apply, not the team's 3,600.
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(599));
        Assert.Equal(SessionState.Active, (await alice.GetSnapshot()).State);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(new PromptView(activatedAt.AddSeconds(600), activatedAt.AddSeconds(630)), (await alice.GetSnapshot()).Prompt);
    }

    [Fact]
    public async Task ATeamsPushLostWhileTheAgentStaysActive_IsCaughtUpWithinOneWakeUpPeriod()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        var team = TeamGrain(tenant, "night");
        var created = await team.Put(Team(timeoutSeconds: 600), null, "admin-1");
        await team.ChangeMembers(["alice"], [], "admin-1");
        var alice = fixture.Agent(tenant, "alice");
        await alice.StartSession(AgentStatus.Ready, null);
        await AdvanceTickByTickAsync(alice, TimeSpan.FromSeconds(200));

        // The push reaches alice, but her write of the change fails: she keeps the old overrides, and the team, which
        // pushes again only a wake-up period later, stays behind until then.
        var attempts = fixture.Storage.AttemptsOf(alice.GetGrainId());
        fixture.Storage.FailNextWrite(alice.GetGrainId());
        var changedAt = fixture.Time.GetUtcNow();
        await team.Put(Team(timeoutSeconds: 120, graceSeconds: 45), created.Team.Version + 1, "admin-1");
        await Eventually.UntilAsync(
            () => Task.FromResult(fixture.Storage.AttemptsOf(alice.GetGrainId())), count => count > attempts, Push, "the push to reach alice");
        Assert.Equal(SessionState.Active, (await alice.GetSnapshot()).State);
        Assert.Equal(600, (await alice.GetEffectivePreferences()).Preferences.InactivityTimeoutSeconds);

        // A change that changes nothing runs only after the push's turn (neither interleaves), by when the push has armed
        // its retry: the clock must not move before the retry's due time is taken from it.
        Assert.Equal(new TeamMembersChange(0, 0, 0), await team.ChangeMembers([], [], "admin-1"));

        // Within one wake-up period the team pushes again, she adopts the change, and the timeout already past warns now.
        await fixture.AdvanceAsync(WakeUpPeriod);

        var view = await Eventually.UntilAsync(alice.GetSnapshot, v => v.State == SessionState.Warned, Push, "the lost change to be caught up");
        Assert.InRange(view.Prompt!.WarnedAt, changedAt.AddSeconds(1), changedAt + WakeUpPeriod);
        Assert.Equal(view.Prompt.WarnedAt.AddSeconds(45), view.Prompt.Deadline);
        var effective = await alice.GetEffectivePreferences();
        Assert.Equal((120, 45, PreferenceSource.Team), (effective.Preferences.InactivityTimeoutSeconds, effective.Preferences.GracePeriodSeconds, effective.Source.InactivityTimeoutSeconds));
        await Eventually.UntilAsync(
            () => Task.FromResult(fixture.Storage.Read<TeamGrainState>(StateNames.Team, team.GetGrainId())!.PushedVersion),
            pushed => pushed == fixture.Storage.Read<TeamGrainState>(StateNames.Team, team.GetGrainId())!.Version, Push, "the retried push to be stored");
    }

    [Fact]
    public async Task ATenantsChange_ReachesATeamsOpenSessions_WithTheTeamsOverridesStillOnTop()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        await TeamGrain(tenant, "night").Put(Team(timeoutSeconds: 120), null, "admin-1");
        await TeamGrain(tenant, "night").ChangeMembers(["alice"], [], "admin-1");
        var alice = fixture.Agent(tenant, "alice");
        var bob = fixture.Agent(tenant, "bob");
        await alice.StartSession(AgentStatus.Ready, null);
        await bob.StartSession(AgentStatus.Ready, null);
        var startedAt = fixture.Time.GetUtcNow();

        await fixture.UpdateAndPushAsync(tenant, Tenant with { InactivityTimeoutSeconds = 300, GracePeriodSeconds = 50 });

        var effective = await alice.GetEffectivePreferences();
        Assert.Equal((120, 50), (effective.Preferences.InactivityTimeoutSeconds, effective.Preferences.GracePeriodSeconds));
        Assert.Equal(new PreferenceSources(PreferenceSource.Tenant, PreferenceSource.Team, PreferenceSource.Tenant), effective.Source);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(new PromptView(startedAt.AddSeconds(120), startedAt.AddSeconds(170)), (await alice.GetSnapshot()).Prompt);
        Assert.Equal(SessionState.Active, (await bob.GetSnapshot()).State);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(180));
        Assert.Equal(new PromptView(startedAt.AddSeconds(300), startedAt.AddSeconds(350)), (await bob.GetSnapshot()).Prompt);
    }

    [Fact]
    public async Task AThousandOpenSessionsMovedInOneCall_AllHoldTheNewTeamsOverrides_AndThenATenantsChangeUnderThem()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        var from = TeamGrain(tenant, "day");
        var to = TeamGrain(tenant, "night");
        await from.Put(Team(timeoutSeconds: 900), null, "admin-1");
        await to.Put(Team(timeoutSeconds: 300, graceSeconds: 60), null, "admin-1");
        var ids = Enumerable.Range(0, TeamRules.MaximumMembersPerChange).Select(i => $"agent-{i:D4}").ToList();
        await from.ChangeMembers(ids, [], "admin-1");
        await Task.WhenAll(ids.Select(id => fixture.Agent(tenant, id).StartSession(AgentStatus.Ready, null)));

        // More agents than the push's concurrency (128): each is told inside the call, before it answers.
        Assert.Equal(new TeamMembersChange(0, 0, ids.Count), await to.ChangeMembers(ids, [], "admin-1"));
        var moved = await Task.WhenAll(ids.Select(id => fixture.Agent(tenant, id).GetEffectivePreferences()));
        Assert.All(moved, effective => Assert.Equal(("night", 300, 60), (effective.TeamId, effective.Preferences.InactivityTimeoutSeconds, effective.Preferences.GracePeriodSeconds)));

        await fixture.UpdateAndPushAsync(tenant, Tenant with { AutoEndEnabled = false });
        var changed = await Task.WhenAll(ids.Select(id => fixture.Agent(tenant, id).GetEffectivePreferences()));
        Assert.All(changed, effective => Assert.Equal((false, 300, 60), (effective.Preferences.AutoEndEnabled, effective.Preferences.InactivityTimeoutSeconds, effective.Preferences.GracePeriodSeconds)));
        await Eventually.UntilAsync(() => from.GetMembers(null, 10), page => page.AgentIds.Count == 0, Push, "the agents to leave their previous team");

        // The clock is the collection's: a thousand wake-ups left behind would tick on every later test's advance.
        await Task.WhenAll(ids.Select(id => fixture.Agent(tenant, id).EndSession(Actor.Admin("admin-1"), null)));
    }

    [Fact]
    public async Task PutAndDelete_AreVersioned_AndAStaleVersionIsAConflict()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        var team = TeamGrain(tenant, "night");

        var created = await team.Put(Team(), expectedVersion: 0, "admin-1");
        Assert.True(created.Created);
        Assert.Equal((1L, "admin-1", fixture.Time.GetUtcNow(), "UTC"), (created.Team.Version, created.Team.UpdatedBy, created.Team.UpdatedAt, created.Team.TimeZone));

        var stale = await Assert.ThrowsAsync<WorkSessionException>(() => team.Put(Team(name: "Other"), expectedVersion: 0, "admin-2"));
        Assert.Equal(ErrorCodes.VersionMismatch, stale.Code);
        Assert.Equal("Night", (await team.Get())!.Name);

        var replaced = await team.Put(Team(name: "Nights") with { TimeZone = "Europe/Berlin" }, expectedVersion: 1, "admin-2");
        Assert.False(replaced.Created);
        Assert.Equal((2L, "Nights", "Europe/Berlin", "admin-2"), (replaced.Team.Version, replaced.Team.Name, replaced.Team.TimeZone, replaced.Team.UpdatedBy));

        Assert.Equal(ErrorCodes.VersionMismatch, (await Assert.ThrowsAsync<WorkSessionException>(() => team.Delete(1, "admin-1"))).Code);
        await team.Delete(2, "admin-1");
        Assert.Equal(ErrorCodes.TeamNotFound, (await Assert.ThrowsAsync<WorkSessionException>(() => team.Delete(null, "admin-1"))).Code);

        // Created again, its version goes on: an ETag of the deleted team never matches the new one.
        var again = await team.Put(Team(), null, "admin-1");
        Assert.Equal((true, 4L), (again.Created, again.Team.Version));
    }

    [Fact]
    public async Task Members_AddedRemovedAndMovedInBulk_AreCountedPagedAndInTheFeed()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        var a = TeamGrain(tenant, "a");
        var b = TeamGrain(tenant, "b");
        await a.Put(Team(), null, "admin-1");
        await b.Put(Team(), null, "admin-1");

        Assert.Equal(new TeamMembersChange(3, 0, 0), await a.ChangeMembers(["x", "y", "w"], [], "admin-1"));
        Assert.Equal(new TeamMembersChange(1, 0, 1), await b.ChangeMembers(["y", "z"], [], "admin-2"));
        Assert.Equal(new TeamMembersChange(0, 1, 0), await a.ChangeMembers([], ["x", "nobody"], "admin-1"));
        Assert.Equal(new TeamMembersChange(0, 0, 0), await b.ChangeMembers(["z"], [], "admin-1"));

        await Eventually.UntilAsync(() => a.GetMembers(null, 10), page => page.AgentIds.SequenceEqual(["w"]), Push, "y to leave a");
        var first = await b.GetMembers(null, 1);
        Assert.Equal(["y"], first.AgentIds);
        Assert.Equal("y", first.NextAfter);
        var last = await b.GetMembers(first.NextAfter, 1);
        Assert.Equal(["z"], last.AgentIds);
        Assert.Null(last.NextAfter);
        // A change that changed nothing is no new version.
        Assert.Equal((2, 2L), ((await b.Get())!.AgentCount, (await b.Get())!.Version));
        Assert.Equal("b", (await fixture.Agent(tenant, "y").GetSnapshot()).TeamId);
        Assert.Null((await fixture.Agent(tenant, "x").GetSnapshot()).TeamId);

        var feed = await Eventually.UntilAsync(
            () => fixture.Grains.GetReportGrain(tenant).GetEvents(0, 100),
            page => page.Items.Count(e => e.Kind == FeedEventKinds.AgentTeamChanged) == 6 && page.Items.Count(e => e.Kind == FeedEventKinds.TeamChanged) == 2,
            TimeSpan.FromSeconds(30),
            "the team events");
        var moved = feed.Items.Single(e => e.Kind == FeedEventKinds.AgentTeamChanged && e.AgentId == "y" && e.TeamId == "b");
        Assert.Equal(("a", Actor.Admin("admin-2")), (moved.PreviousTeamId, moved.Actor));
        var removed = feed.Items.Single(e => e.Kind == FeedEventKinds.AgentTeamChanged && e.AgentId == "x" && e.TeamId is null);
        Assert.Equal("a", removed.PreviousTeamId);
        var teamCreated = feed.Items.First(e => e.Kind == FeedEventKinds.TeamChanged);
        Assert.Equal(("a", "Night", 1L), (teamCreated.TeamId, teamCreated.Team!.Name, teamCreated.Team.Version));
    }

    [Fact]
    public async Task Members_OverTheLimitOrWithABadId_AreRejectedAndChangeNothing()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        var team = TeamGrain(tenant, "a");
        Assert.Equal(ErrorCodes.TeamNotFound, (await Assert.ThrowsAsync<WorkSessionException>(() => team.ChangeMembers(["x"], [], "admin-1"))).Code);
        await team.Put(Team(), null, "admin-1");

        var tooMany = Enumerable.Range(0, 1001).Select(i => $"agent-{i}").ToList();
        Assert.Equal(ErrorCodes.InvalidArgument, (await Assert.ThrowsAsync<WorkSessionException>(() => team.ChangeMembers(tooMany, [], "admin-1"))).Code);
        Assert.Equal(ErrorCodes.InvalidId, (await Assert.ThrowsAsync<WorkSessionException>(() => team.ChangeMembers(["ok", "not ok"], [], "admin-1"))).Code);
        Assert.Equal(ErrorCodes.InvalidArgument, (await Assert.ThrowsAsync<WorkSessionException>(() => team.ChangeMembers(["x"], ["x"], "admin-1"))).Code);

        Assert.Empty((await team.GetMembers(null, 10)).AgentIds);
        Assert.Equal(1L, (await team.Get())!.Version);
    }
}
