using System.Globalization;
using Microsoft.Playwright;
using WorkSessions.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// The alerts of presence, limits and shift ends raised by the Gateway's own events (docs/architecture.md#client-presence,
/// #limits): a supervisor whose view is their teams sees each of their agents' alerts, with who and what happened,
/// announced politely, dismissible, and the page stays accessible. The product's shortest thresholds apply (a client gone
/// after 15 s, a limit of 60 s, a shift end at a whole minute), so these waits are longer than the page's usual patience.
/// </summary>
public sealed partial class SupervisorAlertsTests
{
    /// <summary>A limit of 60 s or a shift end up to 80 s away, the feed's delivery and a busy machine on top.</summary>
    private static readonly LocatorAssertionsToContainTextOptions RuleTime = new() { Timeout = (float)TimeSpan.FromMinutes(3).TotalMilliseconds };

    [Fact]
    public async Task AClientGone_WithEitherAction_IsAlertedFromTheGatewaysEvents_AndTheSessionsReportFiltersByItsEnd()
    {
        var tenant = ConsoleSite.NewTenant();
        // Red's agents' sessions end when their client is gone; blue's follow the tenant: not ready (Disconnected).
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/teams/red", """{"name":"Red","supervisors":["sam"],"preferences":{"clientGoneAction":"endSession"}}""");
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/teams/blue", """{"name":"Blue","supervisors":["sam"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Post, "api/v1/teams/red/members", """{"add":["ava"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Post, "api/v1/teams/blue/members", """{"add":["ben"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/preferences/work-sessions",
            """{"workSessionsEnabled":true,"autoEndEnabled":false,"inactivityTimeoutSeconds":600,"gracePeriodSeconds":60,"supervisorScope":"teams","clientGoneSeconds":15,"clientGoneAction":"notReady"}""");

        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);
        await sam.Page.AddInitScriptAsync(RecordAnnouncements);
        var roster = await SupervisorPage.SignInAsync(sam, tenant, "sam");
        await Expect(sam.Page.Locator("#connection")).ToHaveTextAsync("Live");

        // Ava and Ben start on the agent page (its event stream open), then close their browsers.
        foreach (var agentId in new[] { "ava", "ben" })
        {
            await using var agent = await site.NewPersonAsync($"agent-{agentId}", output: output);
            var page = await AgentPage.SignInAsync(agent, tenant, agentId);
            await page.StartAsync();
            await Eventually.UntilAsync(async () => (await site.AgentViewAsync(tenant, agentId)).GetProperty("state").GetString(),
                state => state == "active", ConsoleSite.Patience, $"{agentId}'s session open");
            agent.AssertClean();
        }

        await Expect(Alert(sam, "ava")).ToContainTextAsync("Client gone", RuleTime);
        await Expect(Alert(sam, "ava")).ToContainTextAsync("ava");
        await Expect(Alert(sam, "ava")).ToContainTextAsync("their console was gone");
        await Expect(Alert(sam, "ava")).ToContainTextAsync("Team Red");
        await Expect(Alert(sam, "ben")).ToContainTextAsync("Client gone", RuleTime);
        await Expect(Alert(sam, "ben")).ToContainTextAsync("set Not ready (Disconnected)");
        await Expect(Alert(sam, "ben")).ToContainTextAsync("Team Blue");
        Assert.Equal("none", (await site.AgentViewAsync(tenant, "ava")).GetProperty("state").GetString());
        Assert.Equal("notReady", (await site.AgentViewAsync(tenant, "ben")).GetProperty("status").GetString());

        await AnnouncedAsync(sam, texts => texts.Any(text => text.Contains("ava: Client gone", StringComparison.Ordinal))
            && texts.Any(text => text.Contains("ben: Client gone", StringComparison.Ordinal)), "ava's and ben's alerts announced");
        await Accessibility.AssertAccessibleAsync(sam.Page, "supervisor alerted of two clients gone");

        await DismissButton(sam, "ben").ClickAsync();
        await Expect(Alert(sam, "ben")).ToHaveCountAsync(0);
        await Expect(Alerts(sam).Locator("#alerts-count")).ToHaveTextAsync("1 alert.");

        // The Sessions report's "Ended for" offers every end reason; filtered by this one it shows Ava's session, not Ben's
        // (still open).
        var sessions = roster.Section("Sessions");
        var endedFor = sessions.GetByLabel("Ended for", new() { Exact = true });
        await Expect(endedFor.Locator("option")).ToHaveTextAsync(
        [
            "Any reason", "Agent ended", "Inactivity", "Ended by a supervisor", "Ended by an admin", "Feature turned off",
            "Client gone (console closed or cut off)", "Not-ready limit", "Shift ended",
        ]);
        await endedFor.SelectOptionAsync(new SelectOptionValue { Label = "Client gone (console closed or cut off)" });
        await sessions.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Expect(roster.SessionRow("ava")).ToContainTextAsync("client gone (system)");
        await Expect(roster.Sessions.Locator("tbody tr")).ToHaveCountAsync(1);
        await Accessibility.AssertAccessibleAsync(sam.Page, "supervisor's sessions ended with the client gone");
        sam.AssertClean();
    }

    [Fact]
    public async Task ANotReadyLimitReached_WithAlertOrEndSession_IsAlertedFromTheGatewaysEvents_AnnouncedAndDismissible()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/teams/red", """{"name":"Red","supervisors":["sam"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Post, "api/v1/teams/red/members", """{"add":["ava","ben"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/preferences/work-sessions",
            """
            {"workSessionsEnabled":true,"autoEndEnabled":false,"inactivityTimeoutSeconds":600,"gracePeriodSeconds":60,"supervisorScope":"teams",
             "notReadyLimits":[{"reason":"Break","maxSeconds":60,"warnSecondsBefore":10,"action":"alert"},{"reason":"Lunch","maxSeconds":60,"warnSecondsBefore":10,"action":"endSession"}]}
            """);

        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);
        await sam.Page.AddInitScriptAsync(RecordAnnouncements);
        await SupervisorPage.SignInAsync(sam, tenant, "sam");
        await Expect(sam.Page.Locator("#connection")).ToHaveTextAsync("Live");

        await StartSessionAsync(tenant, "ava");
        await StartSessionAsync(tenant, "ben");
        await SetNotReadyAsync(tenant, "ava", "Break");
        await SetNotReadyAsync(tenant, "ben", "Lunch");

        await Expect(Alert(sam, "ava")).ToContainTextAsync("Over a limit", RuleTime);
        await Expect(Alert(sam, "ava")).ToContainTextAsync("Not ready (Break)");
        await Expect(Alert(sam, "ava")).ToContainTextAsync("past the limit.");
        await Expect(Alert(sam, "ben")).ToContainTextAsync("Over a limit", RuleTime);
        await Expect(Alert(sam, "ben")).ToContainTextAsync("Their work session ended: they stayed not ready past the limit.");
        await Expect(Alert(sam, "ben")).ToContainTextAsync("Team Red");
        Assert.Equal("active", (await site.AgentViewAsync(tenant, "ava")).GetProperty("state").GetString());
        Assert.Equal("none", (await site.AgentViewAsync(tenant, "ben")).GetProperty("state").GetString());

        await AnnouncedAsync(sam, texts => texts.Any(text => text.Contains("ava: Over a limit", StringComparison.Ordinal))
            && texts.Any(text => text.Contains("ben: Over a limit", StringComparison.Ordinal)), "ava's and ben's alerts announced");
        await Accessibility.AssertAccessibleAsync(sam.Page, "supervisor alerted of two not-ready limits");

        await DismissButton(sam, "ava").ClickAsync();
        await Expect(Alert(sam, "ava")).ToHaveCountAsync(0);
        await Expect(Alerts(sam).Locator("#alerts-count")).ToHaveTextAsync("1 alert.");
        sam.AssertClean();
    }

    [Fact]
    public async Task AShiftEnded_IsAlertedFromTheGatewaysEvents_AnnouncedAndDismissible()
    {
        var tenant = ConsoleSite.NewTenant();
        // The next whole minute at least 20 s away: a session that started after it would end at tomorrow's.
        var now = DateTimeOffset.UtcNow;
        var endsAt = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(1);
        if (endsAt - now < TimeSpan.FromSeconds(20))
        {
            endsAt = endsAt.AddMinutes(1);
        }

        var time = endsAt.ToString("HH:mm", CultureInfo.InvariantCulture);
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/teams/day",
            """{"name":"Day","timeZone":"UTC","supervisors":["sam"],"preferences":{"shiftEnd":{"time":"TIME","warnMinutes":0}}}""".Replace("TIME", time, StringComparison.Ordinal));
        await site.AsAdminAsync(tenant, HttpMethod.Post, "api/v1/teams/day/members", """{"add":["ava"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/preferences/work-sessions",
            """{"workSessionsEnabled":true,"autoEndEnabled":false,"inactivityTimeoutSeconds":600,"gracePeriodSeconds":60,"supervisorScope":"teams"}""");

        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);
        await sam.Page.AddInitScriptAsync(RecordAnnouncements);
        await SupervisorPage.SignInAsync(sam, tenant, "sam");
        await Expect(sam.Page.Locator("#connection")).ToHaveTextAsync("Live");

        await StartSessionAsync(tenant, "ava");

        await Expect(Alert(sam, "ava")).ToContainTextAsync("Shift ended", RuleTime);
        await Expect(Alert(sam, "ava")).ToContainTextAsync("Their work session ended at the end of their shift.");
        await Expect(Alert(sam, "ava")).ToContainTextAsync("Team Day");
        Assert.Equal("none", (await site.AgentViewAsync(tenant, "ava")).GetProperty("state").GetString());
        await AnnouncedAsync(sam, texts => texts.Any(text => text.Contains("ava: Shift ended", StringComparison.Ordinal)), "ava's alert announced");
        await Accessibility.AssertAccessibleAsync(sam.Page, "supervisor alerted of a shift's end");

        await DismissButton(sam, "ava").ClickAsync();
        await Expect(Alerts(sam).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(0);
        await Expect(Alerts(sam).GetByText("No alerts", new() { Exact = false })).ToBeVisibleAsync();
        sam.AssertClean();
    }

    private async Task SetNotReadyAsync(string tenant, string agent, string reason)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/v1/me/status")
        {
            Content = new StringContent($$"""{"status":"notReady","reason":"{{reason}}"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await site.TokenAsync(tenant, agent, "agent"));
        using var response = await site.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{agent}'s not ready answered {(int)response.StatusCode}");
    }
}
