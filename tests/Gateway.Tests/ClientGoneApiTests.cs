using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using WorkSessions.Contracts;
using WorkSessions.Domain.Presence;
using WorkSessions.TestSupport;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// Client gone over HTTP (docs/http-api.md#preferences, docs/architecture.md#client-presence): the two preferences with
/// their validation, team overrides and sources; an agent's event stream that closes and the action that follows.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ClientGoneApiTests(GatewayFixture fixture)
{
    private static object Preferences(object? clientGoneSeconds, string? clientGoneAction) => new
    {
        workSessionsEnabled = true,
        autoEndEnabled = true,
        inactivityTimeoutSeconds = 3600,
        gracePeriodSeconds = 60,
        clientGoneSeconds,
        clientGoneAction,
    };

    [Fact]
    public async Task Preferences_RoundTrip_AreValidated_AndKeptWhenLeftOut()
    {
        var tenant = fixture.NewTenant();
        var admin = tenant.Admin();

        var stored = await Http.ReadAsync<JsonObject>(await admin.PutAsync(Paths.Preferences, Preferences(45, "endSession")), HttpStatusCode.OK);
        Assert.Equal((45, "endSession"), ((int)stored["clientGoneSeconds"]!, (string)stored["clientGoneAction"]!));

        var tooShort = await Http.AssertProblemAsync(await admin.PutAsync(Paths.Preferences, Preferences(14, "notReady")), HttpStatusCode.BadRequest, ErrorCodes.InvalidPreferences);
        Assert.Contains("clientGoneSeconds must be between 15 and 3600", (string)tooShort["detail"]!);
        await Http.AssertProblemAsync(await admin.PutAsync(Paths.Preferences, Preferences(3601, "notReady")), HttpStatusCode.BadRequest, ErrorCodes.InvalidPreferences);
        var badAction = await Http.AssertProblemAsync(await admin.PutAsync(Paths.Preferences, Preferences(60, "logout")), HttpStatusCode.BadRequest, ErrorCodes.InvalidPreferences);
        Assert.Contains("clientGoneAction must be notReady or endSession", (string)badAction["detail"]!);

        // A client from before the rule sends neither field: the tenant keeps its own.
        await tenant.SetPreferencesAsync(enabled: true, autoEnd: true, timeout: 3600, grace: 60);
        var kept = await Http.ReadAsync<JsonObject>(await admin.GetAsync(Paths.Preferences), HttpStatusCode.OK);
        Assert.Equal((45, "endSession"), ((int)kept["clientGoneSeconds"]!, (string)kept["clientGoneAction"]!));

        // null beside the action turns it off.
        var off = await Http.ReadAsync<JsonObject>(await admin.PutAsync(Paths.Preferences, Preferences(null, "notReady")), HttpStatusCode.OK);
        Assert.Null(off["clientGoneSeconds"]);

        var history = await Http.ReadAsync<JsonObject>(await admin.GetAsync(Paths.PreferenceHistory), HttpStatusCode.OK);
        Assert.Contains(history["items"]!.AsArray(), change => (int?)change!["clientGoneSeconds"] == 45 && (string?)change["clientGoneAction"] == "endSession");
    }

    [Fact]
    public async Task TeamOverride_AppliesWithItsSource()
    {
        var tenant = fixture.NewTenant();
        var admin = tenant.Admin();
        await Http.ReadAsync<JsonObject>(await admin.PutAsync(Paths.Preferences, Preferences(600, "notReady")), HttpStatusCode.OK);
        var team = await admin.PutAsync("/api/v1/teams/night", new { name = "Night", preferences = new { clientGoneSeconds = 30, clientGoneAction = "endSession" } });
        Assert.True(team.IsSuccessStatusCode, await team.Content.ReadAsStringAsync());
        await Http.AssertProblemAsync(
            await admin.PutAsync("/api/v1/teams/day", new { name = "Day", preferences = new { clientGoneSeconds = 5 } }), HttpStatusCode.BadRequest, ErrorCodes.InvalidPreferences);
        await admin.PostAsync("/api/v1/teams/night/members", new { add = new[] { "ann" } });

        var effective = await Http.ReadAsync<JsonObject>(await admin.GetAsync("/api/v1/agents/ann/preferences"), HttpStatusCode.OK);

        Assert.Equal((30, "endSession"), ((int)effective["clientGoneSeconds"]!, (string)effective["clientGoneAction"]!));
        Assert.Equal(("team", "team"), ((string)effective["source"]!["clientGoneSeconds"]!, (string)effective["source"]!["clientGoneAction"]!));
        var mine = await Http.ReadAsync<JsonObject>(await tenant.Agent("ann").GetAsync("/api/v1/me/preferences"), HttpStatusCode.OK);
        Assert.Equal(30, (int)mine["clientGoneSeconds"]!);
    }

    [Fact]
    public async Task StreamClosed_NotReadyDisconnected_ThenClientBackOnTheNextStream()
    {
        var tenant = fixture.NewTenant();
        await Http.ReadAsync<JsonObject>(await tenant.Admin().PutAsync(Paths.Preferences, Preferences(20, "notReady")), HttpStatusCode.OK);
        var agent = tenant.Agent("zoe");
        await Http.AssertStatusAsync(await agent.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        var presence = fixture.Services.GetRequiredService<IGrainFactory>().GetGrain<IAgentPresenceTarget>(AgentKey.Format(tenant.Id, "zoe"));

        await using (var first = await EventStream.OpenAsync(agent))
        {
            await first.NextNamedAsync("snapshot");
            await Http.EventuallyAsync(async () => await presence.GetClientAbsentSince() is null, "the stream to be announced");
        }

        // The tab is closed: the Gateway tells the agent, and the clock starts.
        await Http.EventuallyAsync(async () => await presence.GetClientAbsentSince() is not null, "the closed stream to be told");
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(19));
        Assert.Equal("ready", (string)(await Http.ReadAsync<JsonObject>(await agent.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK))["status"]!);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        await Http.EventuallyAsync(
            async () => (string?)(await Http.ReadAsync<JsonObject>(await agent.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK))["statusReason"] == ClientPresenceRule.DisconnectedReason,
            "not ready, Disconnected");

        await using var second = await EventStream.OpenAsync(agent);
        await second.NextNamedAsync("snapshot");
        var back = await second.NextNamedAsync("client-back");
        Assert.NotNull(back.Json["goneSince"]);

        await Http.EventuallyAsync(
            async () =>
            {
                var feed = await Http.ReadAsync<JsonObject>(await tenant.Admin().GetAsync(Paths.Feed), HttpStatusCode.OK);
                var kinds = feed["items"]!.AsArray().Select(e => (string)e!["kind"]!).ToList();
                return kinds.Contains("client-gone") && kinds.Contains("client-back");
            },
            "client-gone and client-back in the feed");
    }
}
