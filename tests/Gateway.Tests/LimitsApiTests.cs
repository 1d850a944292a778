using System.Net;
using System.Text.Json.Nodes;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Gateway.Errors;
using WorkSessions.TestSupport;

namespace WorkSessions.Gateway.Tests;

/// <summary>Not-ready limits and a team's shift end through the API: validation, the effective preferences, the agent's stream and the feed (docs/http-api.md).</summary>
[Collection(GatewayCollection.Name)]
public sealed class LimitsApiTests(GatewayFixture fixture)
{
    private static object Preferences(object? notReadyLimits) => new
    {
        workSessionsEnabled = true,
        autoEndEnabled = false,
        inactivityTimeoutSeconds = 600,
        gracePeriodSeconds = 30,
        notReadyLimits,
    };

    [Fact]
    public async Task NotReadyLimits_AreStored_KeptByAPutThatLeavesThemOut_AndJudgedWithStableCodes()
    {
        var tenant = fixture.NewTenant();
        var admin = tenant.Admin();
        var stored = await Http.ReadAsync<JsonObject>(
            await admin.PutAsync(Paths.Preferences, Preferences(new[] { new { reason = "Break", maxSeconds = 900, warnSecondsBefore = 120, action = "endSession" } })),
            HttpStatusCode.OK);
        Assert.Equal(
            """[{"reason":"Break","maxSeconds":900,"warnSecondsBefore":120,"action":"endSession"}]""",
            stored["notReadyLimits"]!.ToJsonString());

        // A client that predates the field resets nothing.
        var kept = await tenant.SetPreferencesAsync(enabled: true, autoEnd: false, timeout: 600, grace: 30);
        Assert.Equal(new NotReadyLimit("Break", 900, 120, StatusLimitAction.EndSession), Assert.Single(kept.NotReadyLimits!));

        var unknown = await Http.AssertProblemAsync(
            await admin.PutAsync(Paths.Preferences, Preferences(new[] { new { reason = "Nap", maxSeconds = 30, warnSecondsBefore = 0, action = "alert" } })),
            HttpStatusCode.BadRequest,
            ErrorCodes.InvalidPreferences);
        Assert.Equal(
            "notReadyLimits: limit 1 names a reason that is not one of notReadyReasons; notReadyLimits: limit 1 maxSeconds must be between 60 and 86400.",
            (string?)unknown["detail"]);
        await Http.AssertProblemAsync(
            await admin.PutAsync(Paths.Preferences, Preferences(new[] { new { reason = "Break", maxSeconds = 600, warnSecondsBefore = 0, action = "nap" } })),
            HttpStatusCode.BadRequest,
            Problems.InvalidRequest);
    }

    [Fact]
    public async Task ATeamsShiftEndAndLimits_AreJudged_AndReadAsTheAgentsEffectivePreferences()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var admin = tenant.Admin();

        var invalid = await Http.AssertProblemAsync(
            await admin.PutAsync("/api/v1/teams/night", new
            {
                name = "Night",
                preferences = new { shiftEnd = new { time = "25:00", warnMinutes = 10 }, notReadyLimits = new[] { new { reason = "Nap", maxSeconds = 600, warnSecondsBefore = 0, action = "alert" } } },
            }),
            HttpStatusCode.BadRequest,
            ErrorCodes.InvalidPreferences);
        Assert.Equal(
            "preferences.notReadyLimits: limit 1 names a reason that is not one of notReadyReasons; preferences.shiftEnd.time must be a time of day HH:mm, 00:00 to 23:59.",
            (string?)invalid["detail"]);

        await Http.AssertStatusAsync(
            await admin.PutAsync("/api/v1/teams/night", new
            {
                name = "Night",
                timeZone = "Europe/Berlin",
                preferences = new { shiftEnd = new { time = "02:30", warnMinutes = 10 }, notReadyLimits = new[] { new { reason = "Lunch", maxSeconds = 1800, warnSecondsBefore = 300, action = "alert" } } },
            }),
            HttpStatusCode.Created);
        await Http.AssertStatusAsync(await admin.PostAsync("/api/v1/teams/night/members", new { add = new[] { "alice" } }), HttpStatusCode.OK);

        var mine = await Http.ReadAsync<JsonObject>(await tenant.Agent("alice").GetAsync("/api/v1/me/preferences"), HttpStatusCode.OK);
        Assert.Equal("""{"time":"02:30","warnMinutes":10}""", mine["shiftEnd"]!.ToJsonString());
        Assert.Equal("Europe/Berlin", (string?)mine["timeZone"]);
        Assert.Equal("Lunch", (string?)mine["notReadyLimits"]![0]!["reason"]);
        Assert.Equal("team", (string?)mine["source"]!["notReadyLimits"]);
        var bob = await Http.ReadAsync<JsonObject>(await tenant.Agent("bob").GetAsync("/api/v1/me/preferences"), HttpStatusCode.OK);
        Assert.Equal(("tenant", 0), ((string?)bob["source"]!["notReadyLimits"], bob["notReadyLimits"]!.AsArray().Count));
        Assert.Null(bob["shiftEnd"]);
    }

    [Fact]
    public async Task ALimitsWarningAndAlert_ReachTheAgentsStream_AndTheFeed_ToTheSecond()
    {
        var tenant = fixture.NewTenant();
        var admin = tenant.Admin();
        await Http.AssertStatusAsync(
            await admin.PutAsync(Paths.Preferences, Preferences(new[] { new { reason = "Lunch", maxSeconds = 300, warnSecondsBefore = 60, action = "alert" } })),
            HttpStatusCode.OK);
        var alice = tenant.Agent("alice");
        await Http.AssertStatusAsync(await alice.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        await using var events = await EventStream.OpenAsync(alice);
        Assert.Equal("snapshot", (await events.NextAsync()).Name);
        await Http.AssertStatusAsync(await alice.PutAsync(Paths.MyStatus, new { status = "notReady", reason = "Lunch" }), HttpStatusCode.OK);
        var since = (DateTimeOffset)(await events.NextNamedAsync("status-changed")).Json["at"]!;

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(240));
        var warning = (await events.NextNamedAsync("status-limit-warning")).Json;
        Assert.Equal(("Lunch", since.AddSeconds(240), since.AddSeconds(300)), ((string?)warning["reason"], (DateTimeOffset)warning["at"]!, (DateTimeOffset)warning["limitAt"]!));
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(60));
        var reached = (await events.NextNamedAsync("status-limit-reached")).Json;
        Assert.Equal(("alert", since), ((string?)reached["action"], (DateTimeOffset)reached["since"]!));

        var feed = await Eventually.UntilAsync(
            async () => (await Http.ReadAsync<ReportPage<FeedEvent>>(await tenant.Supervisor().GetAsync(Paths.Feed), HttpStatusCode.OK)).Items,
            items => items.Any(e => e.Kind == FeedEventKinds.StatusLimitReached),
            TimeSpan.FromSeconds(30),
            "the limit reached in the feed");
        var warned = Assert.Single(feed, e => e.Kind == FeedEventKinds.StatusLimitWarning);
        Assert.Equal(("Lunch", since.AddSeconds(300), ActorRole.System), (warned.Reason, warned.LimitAt, warned.Actor!.Role));
        var alert = Assert.Single(feed, e => e.Kind == FeedEventKinds.StatusLimitReached);
        Assert.Equal(("Lunch", "alert", since), (alert.Reason, alert.Action, alert.Since));
    }
}
