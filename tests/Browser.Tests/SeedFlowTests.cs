using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WorkSessions.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// The seed's whole story through the three pages, each person in a browser of their own: an admin turns Agent Work
/// Sessions on with a short timeout; an agent starts, is prompted, continues, is prompted again and is auto-ended; a
/// second agent starts and a supervisor ends that session from the live roster; the reports show both.
/// </summary>
public sealed partial class SeedFlowTests(ConsoleSite site, ITestOutputHelper output) : IClassFixture<ConsoleSite>
{
    private const int TimeoutSeconds = 3;

    // Long enough to read the countdown and click Continue on a busy machine; short enough that the flow takes seconds.
    private const int GraceSeconds = 15;

    [Fact]
    public async Task AdminEnables_AgentIsPromptedAndAutoEnded_SupervisorEndsAnother_ReportsShowBoth()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var admin = await site.NewPersonAsync("admin-ann", output: output);
        await using var alice = await site.NewPersonAsync("agent-alice", output: output);
        await using var bruno = await site.NewPersonAsync("agent-bruno", output: output);
        await using var sam = await site.NewPersonAsync("supervisor-sam", output: output);
        // Both sessions end elsewhere (the deadline, the supervisor) while a heartbeat of the agent's last click may be due.
        alice.ExpectHeartbeatAfterTheEnd();
        bruno.ExpectHeartbeatAfterTheEnd();

        // The admin turns the feature on with a short inactivity timeout and grace period.
        var preferences = await AdminPage.SignInAsync(admin, tenant, "ann");
        await preferences.FillAsync(enabled: true, autoEnd: true, TimeoutSeconds, GraceSeconds);
        Assert.Equal(200, await preferences.SaveAsync());
        await Expect(preferences.Saved).ToBeVisibleAsync();
        await admin.ScreenshotAsync("flow-admin-saved");

        // The supervisor watches the roster live from here on.
        var roster = await SupervisorPage.SignInAsync(sam, tenant, "sam");

        // Alice is asked to start, starts, and is Ready; she appears on the roster as she does.
        var alicePage = await AgentPage.SignInAsync(alice, tenant, "alice");
        await Expect(alicePage.StartHeading).ToBeVisibleAsync();
        await alicePage.StartAsync();
        await Expect(roster.Row("alice")).ToContainTextAsync("Ready");

        // Idle: the prompt comes, with a live countdown to the server's deadline, and Continue has the focus.
        await Expect(alicePage.Prompt).ToBeVisibleAsync();
        await Expect(alicePage.Prompt).ToHaveAttributeAsync("aria-modal", "true");
        await Expect(alicePage.Continue).ToBeFocusedAsync();
        var countdown = await alicePage.Countdown.TextContentAsync() ?? "";
        Assert.Matches(CountdownPattern(), countdown);
        Assert.InRange(SecondsOf(countdown), 0, GraceSeconds);
        await Expect(alicePage.Countdown).Not.ToHaveTextAsync(countdown);
        await Expect(roster.Row("alice").GetByTestId("countdown")).ToBeVisibleAsync();
        await alice.ScreenshotAsync("flow-agent-prompted");

        await alicePage.Continue.ClickAsync();
        await Expect(alicePage.Prompt).ToBeHiddenAsync();
        await Expect(alicePage.Status).ToHaveTextAsync("Ready");

        // Idle again: prompted again, and this time the grace period runs out.
        await Expect(alicePage.Prompt).ToBeVisibleAsync();
        await Expect(alicePage.Ended).ToBeVisibleAsync();
        await Expect(alicePage.Prompt).ToBeHiddenAsync();
        await Expect(alicePage.StartAgain).ToBeVisibleAsync();
        // Why it ended, beside the "ended" message (the page's "Inactivity timeout" card says "inactivity" too).
        await Expect(alicePage.Page.Locator("#ended-why")).ToContainTextAsync(new Regex("inactivity", RegexOptions.IgnoreCase));
        await alice.ScreenshotAsync("flow-agent-auto-ended");
        await Expect(roster.Row("alice")).ToHaveCountAsync(0);

        // A longer timeout before the next agent starts, so only the supervisor ends that session.
        await preferences.FillAsync(enabled: true, autoEnd: true, timeoutSeconds: 600, GraceSeconds);
        Assert.Equal(200, await preferences.SaveAsync());
        await Expect(preferences.Saved).ToBeVisibleAsync();
        await Expect(preferences.History.GetByRole(AriaRole.Row).Filter(new() { HasText = "ann" })).ToHaveCountAsync(2);

        var brunoPage = await AgentPage.SignInAsync(bruno, tenant, "bruno");
        await brunoPage.StartAsync();
        await Expect(roster.Row("bruno")).ToContainTextAsync("Ready");
        await Expect(roster.Row("alice")).ToHaveCountAsync(0);
        await sam.ScreenshotAsync("flow-supervisor-roster");

        // The supervisor ends Bruno's session from the roster, with a note.
        await roster.EndButton("bruno").ClickAsync();
        await Expect(roster.EndDialog).ToBeVisibleAsync();
        await AssertFocusWithinAsync(roster.EndDialog, "the End work session dialog");
        await roster.Note.FillAsync("Shift over");
        await roster.EndSession.ClickAsync();
        await Expect(roster.EndDialog).ToBeHiddenAsync();
        await Expect(roster.Row("bruno")).ToHaveCountAsync(0);

        await Expect(brunoPage.Ended).ToBeVisibleAsync();
        await Expect(brunoPage.Page.GetByText(new Regex("ended by a supervisor", RegexOptions.IgnoreCase))).ToBeVisibleAsync();

        // The reports: Bruno's session ended by the supervisor, Alice's for inactivity, and the day's bars of both.
        await roster.RefreshUntilVisibleAsync("Sessions", roster.SessionRow("bruno"), "Bruno's session in the Sessions report");
        await Expect(roster.SessionRow("bruno")).ToContainTextAsync("supervisor (sam)");
        await Expect(roster.SessionRow("bruno")).ToContainTextAsync("Shift over");
        await roster.RefreshUntilVisibleAsync("Sessions", roster.SessionRow("alice"), "Alice's session in the Sessions report");
        await Expect(roster.SessionRow("alice")).ToContainTextAsync("inactivity");

        // The Sessions report's CSV (fetched with the token in a header, handed over as a Blob URL) holds the same rows.
        var download = await sam.Page.RunAndWaitForDownloadAsync(
            () => roster.Section("Sessions").GetByRole(AriaRole.Link, new() { Name = "Download CSV", Exact = true }).ClickAsync());
        var csv = await File.ReadAllLinesAsync(await download.PathAsync());
        Assert.StartsWith("sessionId,agentId,", csv[0], StringComparison.Ordinal);
        Assert.Contains(csv, line => line.Contains(",bruno,", StringComparison.Ordinal) && line.Contains(",endedBySupervisor,sam,", StringComparison.Ordinal));
        Assert.Contains(csv, line => line.Contains(",alice,", StringComparison.Ordinal) && line.Contains(",inactivityTimeout,", StringComparison.Ordinal));

        // The Concurrency report's CSV is made in the browser from the rows shown, named for the day.
        var concurrency = sam.Page.GetByRole(AriaRole.Table, new() { Name = "Concurrency", Exact = true });
        await roster.RefreshUntilVisibleAsync("Concurrency", concurrency.GetByRole(AriaRole.Cell, new() { Name = "1", Exact = true }),
            "a peak of one session in the Concurrency report");
        download = await sam.Page.RunAndWaitForDownloadAsync(
            () => roster.Section("Concurrency").GetByRole(AriaRole.Link, new() { Name = "Download CSV", Exact = true }).ClickAsync());
        Assert.Matches(@"^concurrency-\d{4}-\d{2}-\d{2}\.csv$", download.SuggestedFilename);
        csv = await File.ReadAllLinesAsync(await download.PathAsync());
        Assert.Equal("start,peak,average", csv[0]);
        Assert.Contains(csv, line => line.Split(',')[1] == "1");

        await roster.RefreshUntilVisibleAsync("Timeline", roster.TimelineBars("bruno", "session"), "Bruno's session bar on the timeline");
        await Expect(roster.TimelineBars("bruno", "session")).ToHaveCountAsync(1);
        await Expect(roster.TimelineBars("bruno", "session").Locator("title")).ToContainTextAsync("bruno");
        await Expect(roster.TimelineBars("alice", "session")).ToHaveCountAsync(1);
        Assert.True(await roster.TimelineBars("bruno", "status").CountAsync() >= 1, "Bruno's Ready period is a status bar on the timeline");
        await roster.Section("Timeline").ScrollIntoViewIfNeededAsync();
        await sam.ScreenshotAsync("flow-supervisor-reports");

        admin.AssertClean();
        alice.AssertClean();
        bruno.AssertClean();
        sam.AssertClean();
    }

    internal static async Task AssertFocusWithinAsync(ILocator container, string what) =>
        await Eventually.UntilAsync(
            () => container.EvaluateAsync<bool>("element => element.contains(document.activeElement)"),
            inside => inside, ConsoleSite.Patience, $"the focus inside {what}");

    private static int SecondsOf(string countdown)
    {
        var parts = countdown.Split(':');
        return int.Parse(parts[0], CultureInfo.InvariantCulture) * 60 + int.Parse(parts[1], CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^\d+:\d{2}$")]
    private static partial Regex CountdownPattern();
}
