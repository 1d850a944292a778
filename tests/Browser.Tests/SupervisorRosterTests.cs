using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Web;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// The supervisor's live roster shows the roster a page at a time and says which of how many agents it shows: every
/// agent of a 50,000-agent tenant can be reached, and the list follows sessions that start while it is open.
/// </summary>
public sealed class SupervisorRosterTests(ConsoleSite site, ITestOutputHelper output) : IClassFixture<ConsoleSite>
{
    private const int Agents = 50_000;

    [Fact]
    public async Task FiftyThousandAgents_ArePagedFiveHundredAtATime_WithTheCount_AndEveryOneIsReached()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);

        // The Gateway's roster list is served here for a tenant of 50,000 open sessions (the API's paging has its own
        // tests at that size); everything else on the page talks to the real Gateway.
        var startedAt = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O", CultureInfo.InvariantCulture);
        var ids = Enumerable.Range(0, Agents).Select(i => $"agent-{i:D5}").ToArray();
        await sam.Context.RouteAsync("**/api/v1/work-sessions?*", route => route.FulfillAsync(new()
        {
            Status = 200,
            ContentType = "application/json",
            Body = RosterPage(new Uri(route.Request.Url), ids, startedAt),
        }));

        var roster = await SupervisorPage.SignInAsync(sam, tenant, "sam");
        var count = sam.Page.Locator("#roster-count");
        var pages = sam.Page.GetByRole(AriaRole.Navigation, new() { Name = "Roster pages", Exact = true });
        var previous = pages.GetByRole(AriaRole.Button, new() { Name = "Previous page", Exact = true });
        var next = pages.GetByRole(AriaRole.Button, new() { Name = "Next page", Exact = true });
        var agentCells = roster.Roster.Locator("tbody tr th");

        await Expect(count).ToHaveTextAsync("Showing 1–500 of 50,000 agents in a work session.");
        await Expect(previous).ToHaveAttributeAsync("aria-disabled", "true");
        await sam.ScreenshotAsync("supervisor-roster-first-page");

        // From the keyboard: Next keeps the focus, page after page, to the last agent.
        var seen = new List<string>(await agentCells.AllTextContentsAsync());
        await next.FocusAsync();
        for (var first = 501; first < Agents; first += 500)
        {
            await sam.Page.Keyboard.PressAsync("Enter");
            await Expect(count).ToHaveTextAsync(
                $"Showing {first.ToString("N0", CultureInfo.InvariantCulture)}–{(first + 499).ToString("N0", CultureInfo.InvariantCulture)} of 50,000 agents in a work session.");
            await Expect(next).ToBeFocusedAsync();
            seen.AddRange(await agentCells.AllTextContentsAsync());
        }

        Assert.Equal(ids, seen);
        await Expect(next).ToHaveAttributeAsync("aria-disabled", "true");
        await Expect(sam.Page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Showing 49,501–50,000" })).ToHaveCountAsync(1);

        // Nothing past the last page; Previous goes back.
        await sam.Page.Keyboard.PressAsync("Enter");
        await Expect(count).ToHaveTextAsync("Showing 49,501–50,000 of 50,000 agents in a work session.");
        await previous.ClickAsync();
        await Expect(count).ToHaveTextAsync("Showing 49,001–49,500 of 50,000 agents in a work session.");
        await Expect(agentCells.First).ToHaveTextAsync("agent-49000");
        sam.AssertClean();
    }

    [Fact]
    public async Task TheCount_FollowsSessionsThatStartWhileTheListIsOpen()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, 600, 60);
        foreach (var agent in new[] { "ava", "ben", "cy" })
        {
            await StartSessionAsync(tenant, agent);
        }

        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);
        var roster = await SupervisorPage.SignInAsync(sam, tenant, "sam");
        var count = sam.Page.Locator("#roster-count");

        await Expect(count).ToHaveTextAsync("3 agents in a work session.");
        await Expect(sam.Page.GetByRole(AriaRole.Navigation, new() { Name = "Roster pages" })).ToBeHiddenAsync();

        await StartSessionAsync(tenant, "bea");
        await Expect(roster.Row("bea")).ToContainTextAsync("Ready");
        await Expect(count).ToHaveTextAsync("4 agents in a work session.");
        Assert.Equal(["ava", "bea", "ben", "cy"], await roster.Roster.Locator("tbody tr th").AllTextContentsAsync());
        sam.AssertClean();
    }

    [Fact]
    public async Task TheRoster_ShowsTheTimePerStatusTheApiGives_AndRunsTheClockInTheCurrentStatusOnly()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);

        // Not ready (lunch) for the last 65 s; before that an hour ready and 42:15 occupied, as the API counted them.
        var asOf = DateTimeOffset.UtcNow.AddSeconds(-65);
        var startedAt = asOf.AddHours(-2);
        var page = JsonSerializer.Serialize(new
        {
            items = new[]
            {
                new
                {
                    agentId = "ava",
                    state = "active",
                    status = "notReady",
                    statusReason = "Lunch",
                    session = new
                    {
                        sessionId = Guid.NewGuid(),
                        startedAt,
                        lastActivityAt = asOf,
                        promptCount = 0,
                        continueCount = 0,
                        openEngagements = Array.Empty<string>(),
                        timeInStatus = new { asOf, readySeconds = 3600.4, notReadySeconds = 1200.0, occupiedSeconds = 2535.0 },
                    },
                    prompt = (object?)null,
                },
            },
            nextCursor = (string?)null,
            total = 1,
        });
        await sam.Context.RouteAsync("**/api/v1/work-sessions?*", route => route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = page }));

        var roster = await SupervisorPage.SignInAsync(sam, tenant, "sam");
        var row = roster.Row("ava");
        var notReady = row.Locator("[data-time='notReady']");

        await Expect(row.Locator("[data-time='ready']")).ToHaveTextAsync("1:00:00");
        await Expect(row.Locator("[data-time='occupied']")).ToHaveTextAsync("0:42:15");
        await Expect(notReady).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^0:21:[0-5]\d$"));
        var shown = await notReady.TextContentAsync();
        await Expect(notReady).Not.ToHaveTextAsync(shown!);
        await Expect(row.Locator("[data-time='ready']")).ToHaveTextAsync("1:00:00");
        sam.AssertClean();
    }

    [Fact]
    public async Task TheCounts_AndTheFilters_FollowTheAgentsLive()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, 600, 60);
        await StartSessionAsync(tenant, "ava");
        await StartSessionAsync(tenant, "ben", """{"status":"notReady","reason":"Lunch"}""");
        await StartSessionAsync(tenant, "cy");
        await StartSessionAsync(tenant, "dana");

        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);
        var roster = await SupervisorPage.SignInAsync(sam, tenant, "sam");
        var counts = sam.Page.GetByRole(AriaRole.Definition);
        var agentCells = roster.Roster.Locator("tbody tr th");
        var count = sam.Page.Locator("#roster-count");
        var filters = sam.Page.GetByRole(AriaRole.Search, new() { Name = "Filter agents", Exact = true });
        var status = filters.GetByLabel("Status", new() { Exact = true });
        var search = filters.GetByLabel("Agent id contains", new() { Exact = true });
        var filter = filters.GetByRole(AriaRole.Button, new() { Name = "Filter", Exact = true });

        // Open, active, prompted, ready, not ready, occupied; the reasons beside them.
        await Expect(counts).ToHaveTextAsync(["4", "4", "0", "3", "1", "0"]);
        await Expect(sam.Page.Locator("#roster-reasons")).ToHaveTextAsync("Not ready for: Lunch 1.");
        await Expect(count).ToHaveTextAsync("4 agents in a work session.");
        await Accessibility.AssertAccessibleAsync(sam.Page, "supervisor with the counts");

        await status.SelectOptionAsync("notReady");
        await filter.ClickAsync();
        await Expect(agentCells).ToHaveTextAsync(["ben"]);
        await Expect(count).ToHaveTextAsync("1 matching agent.");

        // Cy goes not ready while the list shows the not-ready agents: the row and the counts follow from the feed.
        await SetStatusAsync(tenant, "cy", """{"status":"notReady","reason":"Break"}""");
        await Expect(agentCells).ToHaveTextAsync(["ben", "cy"]);
        await Expect(counts).ToHaveTextAsync(["4", "4", "0", "2", "2", "0"]);
        await Expect(sam.Page.Locator("#roster-reasons")).ToHaveTextAsync("Not ready for: Break 1, Lunch 1.");

        // Ben goes ready: he leaves the filtered list.
        await SetStatusAsync(tenant, "ben", """{"status":"ready"}""");
        await Expect(agentCells).ToHaveTextAsync(["cy"]);

        // A search, any case, with any status; then one that matches nobody.
        await status.SelectOptionAsync("");
        await search.FillAsync("A");
        await filter.ClickAsync();
        await Expect(agentCells).ToHaveTextAsync(["ava", "dana"]);
        await Expect(count).ToHaveTextAsync("2 matching agents.");
        await search.FillAsync("zed");
        await filter.ClickAsync();
        await Expect(agentCells).ToHaveCountAsync(0);
        await Expect(sam.Page.Locator("#roster-none-match")).ToBeVisibleAsync();
        await Accessibility.AssertAccessibleAsync(sam.Page, "supervisor with a filter that matches nobody");
        sam.AssertClean();
    }

    [Fact]
    public async Task TheTeamPicker_NarrowsTheListAndTheCounts_AndAScopedSupervisorSeesOnlyTheirTeams()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, 600, 60);
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/teams/red", """{"name":"Red","supervisors":["sam"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/teams/blue", """{"name":"Blue","supervisors":["tess"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Post, "api/v1/teams/red/members", """{"add":["ava","ben"]}""");
        await site.AsAdminAsync(tenant, HttpMethod.Post, "api/v1/teams/blue/members", """{"add":["cy"]}""");
        foreach (var agent in new[] { "ava", "ben", "cy", "dana" })
        {
            await StartSessionAsync(tenant, agent);
        }

        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);
        var roster = await SupervisorPage.SignInAsync(sam, tenant, "sam");
        var agentCells = roster.Roster.Locator("tbody tr th");
        var open = sam.Page.Locator("#roster-summary [data-count='open']");
        var filters = sam.Page.GetByRole(AriaRole.Search, new() { Name = "Filter agents", Exact = true });
        var team = filters.GetByLabel("Team", new() { Exact = true });
        var filter = filters.GetByRole(AriaRole.Button, new() { Name = "Filter", Exact = true });
        await Expect(agentCells).ToHaveTextAsync(["ava", "ben", "cy", "dana"]);
        await Expect(team.Locator("option")).ToHaveTextAsync(["All teams", "Blue (1 agent)", "Red (2 agents)"]);

        await team.SelectOptionAsync("red");
        await filter.ClickAsync();
        await Expect(agentCells).ToHaveTextAsync(["ava", "ben"]);
        await Expect(open).ToHaveTextAsync("2");
        await Expect(sam.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("teamId=red"));
        await Accessibility.AssertAccessibleAsync(sam.Page, "supervisor with a team picked");

        // Under supervisorScope teams, Sam sees his team alone: the picker offers it, the list and the counts hold it.
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/preferences/work-sessions",
            """{"workSessionsEnabled":true,"autoEndEnabled":false,"inactivityTimeoutSeconds":600,"gracePeriodSeconds":60,"supervisorScope":"teams"}""");
        await sam.Page.GotoAsync("/console/supervisor.html");
        await Expect(team.Locator("option")).ToHaveTextAsync(["All teams", "Red (2 agents)"]);
        await Expect(agentCells).ToHaveTextAsync(["ava", "ben"]);
        await Expect(open).ToHaveTextAsync("2");
        sam.AssertClean();
    }

    private async Task SetStatusAsync(string tenant, string agent, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/v1/me/status") { Content = new StringContent(body, MediaTypeHeaderValue.Parse("application/json")) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await site.TokenAsync(tenant, agent, "agent"));
        using var response = await site.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{agent}'s status change answered {(int)response.StatusCode}");
    }

    /// <summary>One page of a synthetic roster, as <c>GET /api/v1/work-sessions</c> answers it.</summary>
    private static string RosterPage(Uri url, string[] ids, string startedAt)
    {
        var query = HttpUtility.ParseQueryString(url.Query);
        var limit = int.Parse(query["limit"] ?? "100", CultureInfo.InvariantCulture);
        var cursor = query["cursor"];
        var start = cursor is null ? 0 : Array.BinarySearch(ids, cursor, StringComparer.Ordinal) + 1;
        var page = ids.Skip(start).Take(limit).ToArray();
        var more = start + page.Length < ids.Length;
        return JsonSerializer.Serialize(new
        {
            items = page.Select(id => new
            {
                agentId = id,
                state = "active",
                status = "ready",
                statusReason = (string?)null,
                session = new { sessionId = Guid.NewGuid(), startedAt, lastActivityAt = startedAt, promptCount = 0, continueCount = 0, openEngagements = Array.Empty<string>() },
                prompt = (object?)null,
            }),
            nextCursor = more ? page[^1] : null,
            total = ids.Length,
        });
    }

    private async Task StartSessionAsync(string tenant, string agent, string body = "{}")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/me/work-session") { Content = new StringContent(body, MediaTypeHeaderValue.Parse("application/json")) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await site.TokenAsync(tenant, agent, "agent"));
        using var response = await site.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{agent}'s start answered {(int)response.StatusCode}");
    }
}
