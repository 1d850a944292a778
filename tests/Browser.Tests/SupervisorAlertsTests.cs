using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WorkSessions.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// The supervisor page's alerts (DESIGN §9): agents in the supervisor's view who were auto-ended show up live from the
/// feed, are announced politely once, can be dismissed (one, or all) for good, are cleared by a new session, and a
/// supervisor whose view is their teams sees no alert of an agent outside them. Sessions here start through the API and
/// send no heartbeat, so with the shortest timeout and grace the Gateway allows they auto-end within seconds.
/// </summary>
public sealed partial class SupervisorAlertsTests(ConsoleSite site, ITestOutputHelper output) : IClassFixture<ConsoleSite>
{
    /// <summary>Keeps every text the alerts' live region ever held in <c>window.announced</c>, from the page's start.</summary>
    private const string RecordAnnouncements =
        """
        window.announced = [];
        new MutationObserver(() => {
          const text = document.getElementById('alerts-live')?.textContent ?? '';
          if (text && window.announced[window.announced.length - 1] !== text) window.announced.push(text);
        }).observe(document, { subtree: true, childList: true, characterData: true });
        """;

    [Fact]
    public async Task AnAutoEnd_IsAlertedLiveAndAnnounced_ADismissalSurvivesAReload_AndANewSessionClearsIt()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: true, ConsoleSite.MinimumSeconds, ConsoleSite.MinimumSeconds);
        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);
        await sam.Page.AddInitScriptAsync(RecordAnnouncements);
        var roster = await SupervisorPage.SignInAsync(sam, tenant, "sam");
        var alerts = Alerts(sam);
        await Expect(sam.Page.Locator("#connection")).ToHaveTextAsync("Live");
        await Expect(alerts.GetByText("No alerts", new() { Exact = false })).ToBeVisibleAsync();

        // Ava and Ben start and never interact: both are auto-ended, and each alert comes live with who, what, when, team.
        await StartSessionAsync(tenant, "ava");
        await StartSessionAsync(tenant, "ben");
        foreach (var agent in new[] { "ava", "ben" })
        {
            await Expect(Alert(sam, agent)).ToContainTextAsync("Auto-ended");
            await Expect(Alert(sam, agent)).ToContainTextAsync("ended for inactivity");
            await Expect(Alert(sam, agent)).ToContainTextAsync("No team");
            await Expect(Alert(sam, agent).Locator("time")).ToHaveTextAsync(new Regex("^(just now|\\d+ minutes? ago)$"));
            await Expect(Alert(sam, agent).Locator(".alert-when")).ToContainTextAsync(new Regex(@"\(\d{2}:\d{2}:\d{2}( [AP]M)?\)"));
        }

        await Expect(alerts.Locator("#alerts-count")).ToHaveTextAsync("2 alerts.");
        // Announced politely, each once, as it happened.
        await Expect(sam.Page.Locator("#alerts-live")).ToHaveAttributeAsync("aria-live", "polite");
        var announced = await AnnouncedAsync(sam, texts => texts.Any(text => text.Contains("ava: Auto-ended", StringComparison.Ordinal))
            && texts.Any(text => text.Contains("ben: Auto-ended", StringComparison.Ordinal)), "ava's and ben's alerts announced");
        Assert.Equal(1, announced.Count(text => text.Contains("ava: Auto-ended", StringComparison.Ordinal)));
        await Accessibility.AssertAccessibleAsync(sam.Page, "supervisor with two alerts");
        await sam.ScreenshotAsync("supervisor-alerts");

        // From the keyboard: Ava's alert dismissed; the focus goes to Ben's Dismiss button.
        await DismissButton(sam, "ava").FocusAsync();
        await sam.Page.Keyboard.PressAsync("Enter");
        await Expect(Alert(sam, "ava")).ToHaveCountAsync(0);
        await Expect(DismissButton(sam, "ben")).ToBeFocusedAsync();
        await Expect(alerts.Locator("#alerts-count")).ToHaveTextAsync("1 alert.");

        // A reload reads the last hour of the feed: Ben's alert is back, Ava's stays dismissed, and neither is announced.
        await sam.Page.ReloadAsync();
        await LookedBackAsync(sam);
        await Expect(Alert(sam, "ben")).ToContainTextAsync("Auto-ended");
        await Expect(Alert(sam, "ava")).ToHaveCountAsync(0);

        // Cy is auto-ended after the reload: announced; Ben's old alert was not announced again before it.
        await StartSessionAsync(tenant, "cy");
        await Expect(Alert(sam, "cy")).ToContainTextAsync("Auto-ended");
        announced = await AnnouncedAsync(sam, texts => texts.Any(text => text.Contains("cy: Auto-ended", StringComparison.Ordinal)), "cy's alert announced");
        Assert.DoesNotContain(announced, text => text.Contains("ben", StringComparison.Ordinal));

        // Ben's name leads to his sessions (he has no roster row: his session ended).
        await Alert(sam, "ben").GetByRole(AriaRole.Button, new() { Name = "Show ben", Exact = true }).ClickAsync();
        await Expect(sam.Page.GetByRole(AriaRole.Heading, new() { Name = "Sessions", Exact = true })).ToBeFocusedAsync();
        await Expect(sam.Page.Locator("#agent-filter")).ToHaveValueAsync("ben");
        await Expect(roster.SessionRow("ben")).ToContainTextAsync("inactivity");

        // Ben starts again (with auto-end off now, so he stays): his alert is cleared.
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, 600, 60);
        await StartSessionAsync(tenant, "ben");
        await Expect(roster.Row("ben")).ToContainTextAsync("Ready");
        await Expect(Alert(sam, "ben")).ToHaveCountAsync(0);
        await Expect(Alert(sam, "cy")).ToHaveCountAsync(1);

        // Dismiss all: none left, the focus on the heading, and none after a reload either.
        await alerts.GetByRole(AriaRole.Button, new() { Name = "Dismiss all", Exact = true }).ClickAsync();
        await Expect(alerts.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(0);
        await Expect(alerts.GetByRole(AriaRole.Heading, new() { Name = "Alerts", Exact = true })).ToBeFocusedAsync();
        await sam.Page.ReloadAsync();
        await LookedBackAsync(sam);
        await Expect(alerts.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(0);
        await Expect(alerts.GetByText("No alerts", new() { Exact = false })).ToBeVisibleAsync();
        await Accessibility.AssertAccessibleAsync(sam.Page, "supervisor with every alert dismissed");
        sam.AssertClean();
    }

    [Fact]
    public async Task ASupervisorScopedToTheirTeams_IsAlertedOfTheirAgentsOnly_LiveAndAfterAReload()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: true, ConsoleSite.MinimumSeconds, ConsoleSite.MinimumSeconds);
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/teams/red", """{"name":"Red","supervisors":["sam"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/teams/blue", """{"name":"Blue","supervisors":["tess"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Post, "api/v1/teams/red/members", """{"add":["ava"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Post, "api/v1/teams/blue/members", """{"add":["cy"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/preferences/work-sessions",
            """{"workSessionsEnabled":true,"autoEndEnabled":true,"inactivityTimeoutSeconds":2,"gracePeriodSeconds":2,"supervisorScope":"teams"}""");

        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);
        await SupervisorPage.SignInAsync(sam, tenant, "sam");
        await Expect(sam.Page.Locator("#connection")).ToHaveTextAsync("Live");

        // Cy (Blue) is auto-ended first, then Ava (Red): the feed is in order, so once Ava's alert is in, Cy's would be too.
        await StartSessionAsync(tenant, "cy");
        await Eventually.UntilAsync(async () => (await site.AgentViewAsync(tenant, "cy")).GetProperty("state").GetString(),
            state => state == "none", ConsoleSite.Patience, "cy's session auto-ended");
        await StartSessionAsync(tenant, "ava");
        await Expect(Alert(sam, "ava")).ToContainTextAsync("Team Red");
        await Expect(Alert(sam, "cy")).ToHaveCountAsync(0);

        await sam.Page.ReloadAsync();
        await LookedBackAsync(sam);
        await Expect(Alert(sam, "ava")).ToContainTextAsync("Auto-ended");
        await Expect(Alert(sam, "cy")).ToHaveCountAsync(0);
        await Expect(Alerts(sam).GetByRole(AriaRole.Listitem)).ToHaveCountAsync(1);
        sam.AssertClean();
    }

    [Fact]
    public async Task AHundredAndOneAlerts_ShowTheNewestHundred_AndCountTheOlderOne_LiveAndAfterAReload()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: true, ConsoleSite.MinimumSeconds, ConsoleSite.MinimumSeconds);
        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);
        await SupervisorPage.SignInAsync(sam, tenant, "sam");
        await Expect(sam.Page.Locator("#connection")).ToHaveTextAsync("Live");
        var alerts = Alerts(sam);

        var agents = Enumerable.Range(0, 101).Select(i => $"agent-{i:D3}").ToArray();
        await Parallel.ForEachAsync(agents, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (agent, _) => await StartSessionAsync(tenant, agent));

        foreach (var reading in new[] { "live", "after a reload" })
        {
            output.WriteLine($"101 alerts, {reading}");
            await Expect(alerts.Locator("#alerts-count")).ToHaveTextAsync("101 alerts.");
            await Expect(alerts.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(100);
            await Expect(alerts.Locator("#alerts-more")).ToHaveTextAsync("1 older alert is not shown; dismiss some to see them.");
            await sam.Page.ReloadAsync();
            await LookedBackAsync(sam);
        }

        // Dismissing one brings the older one into the hundred shown.
        await alerts.GetByRole(AriaRole.Listitem).First.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Dismiss the alert") }).ClickAsync();
        await Expect(alerts.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(100);
        await Expect(alerts.Locator("#alerts-count")).ToHaveTextAsync("100 alerts.");
        await Expect(alerts.Locator("#alerts-more")).ToBeHiddenAsync();
        sam.AssertClean();
    }

    /// <summary>
    /// Every kind of the contract in one look back, with clearing kinds and an agent ended for another reason among them:
    /// the feed's JSON pages the page reads when it opens are served here, in the contract's shape, and every one raises
    /// or clears an alert as the table says; the page reads them with one request from an hour back. The live stream
    /// stays the real Gateway's.
    /// </summary>
    [Fact]
    public async Task TheFeedKindsOfPresenceLimitsAndShifts_RaiseAndClearAlerts_AndAnythingOlderThanAnHourIsNotRead()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, 600, 60);
        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);

        var now = DateTimeOffset.UtcNow;
        var feed = new List<Dictionary<string, object?>>();
        void Add(TimeSpan ago, string kind, string agent, object? session = null, Dictionary<string, object?>? more = null)
        {
            var position = 1000L * (feed.Count + 1) + 7;
            var item = new Dictionary<string, object?>
            {
                ["position"] = position, ["eventId"] = Guid.NewGuid(), ["at"] = now - ago, ["kind"] = kind, ["agentId"] = agent,
                ["sessionId"] = Guid.NewGuid(), ["teamId"] = null, ["session"] = session,
            };
            foreach (var (key, value) in more ?? [])
            {
                item[key] = value;
            }

            feed.Add(item);
        }

        object Ended(string reason) => new { endReason = reason };
        Add(TimeSpan.FromHours(2), "session-ended", "ivy", Ended("inactivityTimeout"));
        Add(TimeSpan.FromMinutes(50), "client-gone", "ava", more: new() { ["action"] = "notReady", ["goneSince"] = now.AddMinutes(-51) });
        Add(TimeSpan.FromMinutes(40), "status-limit-reached", "ben", more: new() { ["reason"] = "Lunch", ["action"] = "alert", ["since"] = now.AddMinutes(-100) });
        Add(TimeSpan.FromMinutes(30), "session-ended", "cy", Ended("shiftEnded"));
        Add(TimeSpan.FromMinutes(20), "session-ended", "dan", Ended("statusLimit"));
        Add(TimeSpan.FromMinutes(10), "session-ended", "eve", Ended("clientGone"));
        Add(TimeSpan.FromMinutes(9), "client-gone", "fay", more: new() { ["action"] = "endSession", ["goneSince"] = now.AddMinutes(-10) });
        Add(TimeSpan.FromMinutes(8), "client-back", "fay", more: new() { ["goneSince"] = now.AddMinutes(-10) });
        Add(TimeSpan.FromMinutes(7), "session-ended", "gus", Ended("agentEnded"));
        Add(TimeSpan.FromMinutes(6), "status-limit-reached", "hal", more: new() { ["reason"] = "Break", ["action"] = "endSession", ["since"] = now.AddMinutes(-30) });
        Add(TimeSpan.FromMinutes(5), "session-started", "hal");

        var requests = new System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset?>();
        await sam.Context.RouteAsync("**/api/v1/events?*", route =>
        {
            var query = System.Web.HttpUtility.ParseQueryString(new Uri(route.Request.Url).Query);
            var after = long.Parse(query["after"] ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            var limit = int.Parse(query["limit"] ?? "100", System.Globalization.CultureInfo.InvariantCulture);
            // As the Gateway reads since: the events at or after it.
            var since = query["since"] is { } text ? DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
            requests.Enqueue(since);
            var page = feed.Where(item => (long)item["position"]! > after && (since is null || (DateTimeOffset)item["at"]! >= since)).Take(limit).ToList();
            var body = JsonSerializer.Serialize(new { items = page, nextCursor = page.Count == limit ? page[^1]["position"]!.ToString() : null });
            return route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = body });
        });

        await SupervisorPage.SignInAsync(sam, tenant, "sam");
        await LookedBackAsync(sam);
        var alerts = Alerts(sam);
        await Expect(Alert(sam, "ava")).ToContainTextAsync("Client gone");
        await Expect(Alert(sam, "ava")).ToContainTextAsync("set Not ready (Disconnected)");
        await Expect(Alert(sam, "ben")).ToContainTextAsync("Over a limit");
        await Expect(Alert(sam, "ben")).ToContainTextAsync("Not ready (Lunch)");
        await Expect(Alert(sam, "cy")).ToContainTextAsync("Shift ended");
        await Expect(Alert(sam, "dan")).ToContainTextAsync("Over a limit");
        await Expect(Alert(sam, "dan")).ToContainTextAsync("past the limit");
        await Expect(Alert(sam, "eve")).ToContainTextAsync("Client gone");
        await Expect(Alert(sam, "eve")).ToContainTextAsync("console was gone");
        await Expect(alerts.GetByRole(AriaRole.Listitem).Locator("button.link")).ToHaveTextAsync(["eve", "dan", "cy", "ben", "ava"]);
        await Expect(alerts.Locator("#alerts-count")).ToHaveTextAsync("5 alerts.");
        // Nothing from the look back is announced: it is not news.
        await Expect(sam.Page.Locator("#alerts-live")).ToHaveTextAsync("");
        // One request from the hour before the page opened: the feed's since, no search over positions.
        var since = Assert.Single(requests);
        Assert.NotNull(since);
        Assert.InRange(since.Value, now.AddMinutes(-61), DateTimeOffset.UtcNow.AddMinutes(-59));
        await Accessibility.AssertAccessibleAsync(sam.Page, "supervisor with an alert of each kind");
        sam.AssertClean();
    }

    /// <summary>
    /// The same kinds live: the feed's stream is served here, so that an agent whose client is gone and back in the same
    /// moment can be shown to be neither announced nor shown; the others are announced as they come.
    /// </summary>
    [Fact]
    public async Task TheFeedKindsOfPresenceLimitsAndShifts_AreAnnouncedLive_ButNotAnAlertClearedAsItCame()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, 600, 60);
        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);
        await sam.Page.AddInitScriptAsync(RecordAnnouncements);
        // The roster reads the view of each agent an event names; these agents exist only in the served stream.
        sam.ExpectFailedRequests(404);

        var now = DateTimeOffset.UtcNow;
        var position = 100L;
        var stream = new System.Text.StringBuilder();
        void Add(string kind, string agent, object? session = null, Dictionary<string, object?>? more = null)
        {
            position += 3;
            var item = new Dictionary<string, object?>
            {
                ["position"] = position, ["eventId"] = Guid.NewGuid(), ["at"] = now, ["kind"] = kind, ["agentId"] = agent,
                ["sessionId"] = Guid.NewGuid(), ["teamId"] = null, ["session"] = session,
            };
            foreach (var (key, value) in more ?? [])
            {
                item[key] = value;
            }

            stream.Append(System.Globalization.CultureInfo.InvariantCulture, $"id: {position}\nevent: {kind}\ndata: {JsonSerializer.Serialize(item)}\n\n");
        }

        Add("client-gone", "fay", more: new() { ["action"] = "notReady", ["goneSince"] = now.AddSeconds(-30) });
        Add("client-back", "fay", more: new() { ["goneSince"] = now.AddSeconds(-30) });
        Add("client-gone", "ava", more: new() { ["action"] = "endSession", ["goneSince"] = now.AddSeconds(-30) });
        Add("status-limit-reached", "ben", more: new() { ["reason"] = "Lunch", ["action"] = "alert", ["since"] = now.AddMinutes(-31) });
        Add("session-ended", "cy", new { endReason = "shiftEnded" });
        var body = stream.ToString();

        // The stream (the live feed has no query); the pages read when the page opens stay the Gateway's.
        await sam.Context.RouteAsync(url => new Uri(url).AbsolutePath == "/api/v1/events" && new Uri(url).Query.Length == 0, route =>
            route.FulfillAsync(new() { Status = 200, ContentType = "text/event-stream", Body = body }));

        await SupervisorPage.SignInAsync(sam, tenant, "sam");
        await Expect(Alert(sam, "ava")).ToContainTextAsync("their work session is ended");
        await Expect(Alert(sam, "ben")).ToContainTextAsync("Not ready (Lunch)");
        await Expect(Alert(sam, "cy")).ToContainTextAsync("Shift ended");
        await Expect(Alert(sam, "fay")).ToHaveCountAsync(0);
        var announced = await AnnouncedAsync(sam, texts => texts.Any(text => text.Contains("cy: Shift ended", StringComparison.Ordinal)), "the live alerts announced");
        Assert.Contains(announced, text => text.Contains("ava: Client gone", StringComparison.Ordinal));
        Assert.Contains(announced, text => text.Contains("ben: Over a limit", StringComparison.Ordinal));
        Assert.DoesNotContain(announced, text => text.Contains("fay", StringComparison.Ordinal));
        sam.AssertClean();
    }

    private static ILocator Alerts(Person person) => person.Page.GetByRole(AriaRole.Region, new() { Name = "Alerts", Exact = true });

    /// <summary>The alert of <paramref name="agent"/> (one per agent).</summary>
    private static ILocator Alert(Person person, string agent) => Alerts(person).Locator($"li[data-agent='{agent}']");

    private static ILocator DismissButton(Person person, string agent) =>
        Alert(person, agent).GetByRole(AriaRole.Button, new() { Name = $"Dismiss the alert for {agent}", Exact = true });

    /// <summary>Waits until the page has read the recent feed it reads when it opens (the list is busy until then).</summary>
    private static async Task LookedBackAsync(Person person)
    {
        var list = Alerts(person).GetByRole(AriaRole.List, new() { Name = "Alerts", Exact = true });
        await Expect(list).ToBeAttachedAsync();
        await Expect(list).Not.ToHaveAttributeAsync("aria-busy", "true");
    }

    /// <summary>Every text the live region held since the page loaded, once <paramref name="done"/> holds of them.</summary>
    private static async Task<IReadOnlyList<string>> AnnouncedAsync(Person person, Func<IReadOnlyList<string>, bool> done, string what) =>
        await Eventually.UntilAsync(
            async () => (IReadOnlyList<string>)(await person.Page.EvaluateAsync<JsonElement>("() => window.announced"))
                .EnumerateArray().Select(text => text.GetString() ?? "").ToList(),
            done, ConsoleSite.Patience, what);

    private async Task StartSessionAsync(string tenant, string agent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/me/work-session") { Content = new StringContent("{}", MediaTypeHeaderValue.Parse("application/json")) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await site.TokenAsync(tenant, agent, "agent"));
        using var response = await site.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{agent}'s start answered {(int)response.StatusCode}");
    }
}
