using WorkSessions.Contracts;
using WorkSessions.TestSupport;

namespace WorkSessions.Grains.Tests;

/// <summary>The tenant's team directory (docs/architecture.md#teams): kept by the team grains, indexed, repaired.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TeamDirectoryTests(ClusterFixture fixture)
{
    private static TeamDefinition Team(string name, params string[] supervisors) => new(name, null, [.. supervisors], null);

    [Fact]
    public async Task EveryStoredChange_ReachesTheDirectory_AndItsSupervisorIndex()
    {
        var tenant = await fixture.NewTenantAsync();
        var directory = fixture.Grains.GetTeamDirectory(tenant);
        await fixture.Grains.GetTeamGrain(tenant, "b").Put(Team("B", "sup-1", "sup-2"), null, "admin-1");
        await fixture.Grains.GetTeamGrain(tenant, "a").Put(Team("A", "sup-1"), null, "admin-1");
        await fixture.Grains.GetTeamGrain(tenant, "b").ChangeMembers(["ann", "ben"], [], "admin-1");
        Assert.Equal(["a", "b"], (await directory.TeamsOf("sup-1")).AsEnumerable());
        Assert.Equal([0, 2], (await directory.List(null, 10, null)).Teams.Select(team => team.AgentCount));

        await fixture.Grains.GetTeamGrain(tenant, "b").Put(Team("B", "sup-2"), null, "admin-1");
        await fixture.Grains.GetTeamGrain(tenant, "a").Delete(null, "admin-1");

        Assert.Empty(await directory.TeamsOf("sup-1"));
        Assert.Equal(["b"], (await directory.TeamsOf("sup-2")).AsEnumerable());
        var page = await directory.List(null, 1, "sup-2");
        Assert.Equal(("b", "B", 2, 3L, (string?)null), (page.Teams[0].TeamId, page.Teams[0].Name, page.Teams[0].AgentCount, page.Teams[0].Version, page.NextAfter));
    }

    [Fact]
    public async Task AnAnnouncementOverTakenByALaterOne_OrByTheDelete_ChangesNothing()
    {
        var tenant = await fixture.NewTenantAsync();
        var team = fixture.Grains.GetTeamGrain(tenant, "night");
        var first = (await team.Put(Team("Night", "sup-1"), null, "admin-1")).Team;
        await team.Put(Team("Nights", "sup-1"), null, "admin-1");
        var updates = fixture.Grains.GetTeamDirectoryUpdates(tenant);

        await updates.Announce("night", 1, TeamSummary.Of(first));
        Assert.Equal("Nights", Assert.Single((await fixture.Grains.GetTeamDirectory(tenant).List(null, 10, null)).Teams).Name);

        await team.Delete(null, "admin-1");
        await updates.Announce("night", 2, TeamSummary.Of(first) with { Version = 2 });
        Assert.Empty((await fixture.Grains.GetTeamDirectory(tenant).List(null, 10, null)).Teams);
        Assert.Empty(await fixture.Grains.GetTeamDirectory(tenant).TeamsOf("sup-1"));
    }

    [Fact]
    public async Task AChangeStoredButNeverAnnounced_IsRepairedWhenTheTeamActivates()
    {
        var tenant = await fixture.NewTenantAsync();
        var team = fixture.Grains.GetTeamGrain(tenant, "night");
        var stored = (await team.Put(Team("Night", "sup-1"), null, "admin-1")).Team;
        var directory = fixture.Grains.GetTeamDirectory(tenant);

        // The team's row holds a later change whose announcement was lost with its silo.
        var later = stored with { Name = "Renamed", Supervisors = ["sup-2"], Version = 4 };
        fixture.Storage.Overwrite(StateNames.Team, team.GetGrainId(), new TeamGrainState { Team = later, Version = 4, PushedVersion = 4 });
        await fixture.DeactivateAsync(team);
        Assert.Equal("Night", Assert.Single((await directory.List(null, 10, null)).Teams).Name);

        Assert.Equal("Renamed", (await team.Get())!.Name);
        await fixture.AdvanceAsync(TimeSpan.Zero);

        await Eventually.UntilAsync(
            async () => Assert.Single((await directory.List(null, 10, null)).Teams).Name,
            name => name == "Renamed", TimeSpan.FromSeconds(10), "the activated team to announce its stored change");
        Assert.Equal(["night"], (await directory.TeamsOf("sup-2")).AsEnumerable());
        Assert.Empty(await directory.TeamsOf("sup-1"));
    }
}
