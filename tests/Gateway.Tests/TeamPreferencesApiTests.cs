using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using WorkSessions.Contracts;

namespace WorkSessions.Gateway.Tests;

/// <summary><c>GET /me/preferences</c> and <c>GET /agents/{agentId}/preferences</c>: the effective preferences with the source of each field (docs/http-api.md#teams).</summary>
[Collection(GatewayCollection.Name)]
public sealed class TeamPreferencesApiTests(GatewayFixture fixture)
{
    [Fact]
    public async Task AnAgentInATeam_ReadsTheTeamsOverride_AndTheTenantsOtherValues_WithTheirSources()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true, autoEnd: true, timeout: 600, grace: 30);
        var grains = fixture.Services.GetRequiredService<IGrainFactory>();
        await grains.GetTeamGrain(tenant.Id, "night").Put(new TeamDefinition("Night", null, [], new TeamPreferenceOverrides(InactivityTimeoutSeconds: 120)), null, "admin-1");
        await grains.GetTeamGrain(tenant.Id, "night").ChangeMembers(["alice"], [], "admin-1");

        var mine = await Http.ReadAsync<JsonObject>(await tenant.Agent("alice").GetAsync("/api/v1/me/preferences"), HttpStatusCode.OK);
        var read = await Http.ReadAsync<JsonObject>(await tenant.Supervisor().GetAsync("/api/v1/agents/alice/preferences"), HttpStatusCode.OK);

        foreach (var preferences in new[] { mine, read })
        {
            Assert.Equal(120, (int)preferences["inactivityTimeoutSeconds"]!);
            Assert.Equal(30, (int)preferences["gracePeriodSeconds"]!);
            Assert.True((bool)preferences["autoEndEnabled"]!);
            Assert.Equal("night", (string?)preferences["teamId"]);
            var source = preferences["source"]!.AsObject();
            Assert.Equal(("tenant", "team", "tenant"), ((string?)source["autoEndEnabled"], (string?)source["inactivityTimeoutSeconds"], (string?)source["gracePeriodSeconds"]));
        }
    }

    [Fact]
    public async Task AnAgentInNoTeam_ReadsTheTenantsValues()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true, autoEnd: true, timeout: 600, grace: 30);

        var mine = await Http.ReadAsync<JsonObject>(await tenant.Agent("bob").GetAsync("/api/v1/me/preferences"), HttpStatusCode.OK);

        Assert.Equal(600, (int)mine["inactivityTimeoutSeconds"]!);
        Assert.Null((string?)mine["teamId"]);
        Assert.Equal("tenant", (string?)mine["source"]!["inactivityTimeoutSeconds"]);
    }

    [Fact]
    public async Task AnAgentNeverSeen_IsNotFound_LikeAnotherTenantsAgent()
    {
        var tenant = fixture.NewTenant();

        await Http.AssertProblemAsync(await tenant.Supervisor().GetAsync("/api/v1/agents/ghost/preferences"), HttpStatusCode.NotFound, ErrorCodes.AgentNotFound);
    }
}
