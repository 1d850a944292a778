using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// Every page in each of its states, at a laptop's 1366×768 and a phone's 390×844: a screenshot of each (printed paths,
/// see <see cref="Screenshots"/>), and in each state every control named, no sideways page scroll, AA text contrast and
/// no serious or critical WCAG 2.1 AA violation by axe-core (<see cref="Accessibility"/>).
/// </summary>
public sealed class LayoutTests(ConsoleSite site, ITestOutputHelper output) : IClassFixture<ConsoleSite>
{
    // Time enough to photograph the working page before the prompt comes.
    private const int TimeoutSeconds = 10;

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task EveryPage_InEveryState_IsTidy(string viewportName)
    {
        var viewport = viewportName == Viewport.Phone.Name ? Viewport.Phone : Viewport.Desktop;
        var tenant = ConsoleSite.NewTenant();
        // The longest reason the rules allow (40 characters) must fit the status menu on a phone too.
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: true, TimeoutSeconds, gracePeriodSeconds: 600,
            notReadyReasons: ["Break", "Lunch", "Training", "Meeting", "Coaching with the team lead (one to one)"]);
        await using var alice = await site.NewPersonAsync("agent-alice", viewport, output);
        await using var sam = await site.NewPersonAsync("supervisor-sam", viewport, output);
        await using var ann = await site.NewPersonAsync("admin-ann", viewport, output);
        // The supervisor ends Alice's session while the heartbeat of her clicks on the status menu may be due.
        alice.ExpectHeartbeatAfterTheEnd();

        await alice.Page.GotoAsync("/console/sign-in.html");
        await Expect(alice.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        await CaptureAsync(alice, "sign-in");

        var agent = await AgentPage.SignInAsync(alice, tenant, "alice");
        await CaptureAsync(alice, "agent-start");
        await agent.StartAsync();
        await Expect(agent.Prompt).ToBeHiddenAsync();
        await CaptureAsync(alice, "agent-working");
        await agent.StatusButton.ClickAsync();
        await Expect(agent.StatusMenu).ToBeVisibleAsync();
        await Expect(agent.MenuItem("Not ready — Coaching with the team lead (one to one)")).ToBeVisibleAsync();
        await CaptureAsync(alice, "agent-status-menu");
        await alice.Page.Keyboard.PressAsync("Escape");
        await Expect(agent.StatusMenu).ToBeHiddenAsync();

        await Expect(agent.Prompt).ToBeVisibleAsync();
        await CaptureAsync(alice, "agent-prompt");

        var supervisor = await SupervisorPage.SignInAsync(sam, tenant, "sam");
        await Expect(supervisor.Row("alice").GetByTestId("countdown")).ToBeVisibleAsync();
        await CaptureAsync(sam, "supervisor-roster");
        await supervisor.EndButton("alice").ClickAsync();
        await Expect(supervisor.EndDialog).ToBeVisibleAsync();
        await supervisor.Note.FillAsync("End of shift");
        await CaptureAsync(sam, "supervisor-end-dialog");
        await supervisor.EndSession.ClickAsync();
        await Expect(supervisor.Row("alice")).ToHaveCountAsync(0);

        await Expect(agent.Ended).ToBeVisibleAsync();
        await CaptureAsync(alice, "agent-offline");

        await supervisor.RefreshUntilVisibleAsync("Timeline", supervisor.TimelineBars("alice", "session"), "Alice's session on the timeline");
        await supervisor.RefreshUntilVisibleAsync("Sessions", supervisor.SessionRow("alice"), "Alice's session in the Sessions report");
        await ScrollToAsync(supervisor.Section("Timeline"));
        await CaptureAsync(sam, "supervisor-timeline");
        await ScrollToAsync(supervisor.Section("Sessions"));
        await CaptureAsync(sam, "supervisor-sessions");
        await ScrollToAsync(supervisor.Section("Timecards"));
        await CaptureAsync(sam, "supervisor-timecards");
        await ScrollToAsync(supervisor.Section("Concurrency"));
        await CaptureAsync(sam, "supervisor-concurrency");
        await sam.ScreenshotAsync("supervisor-full", fullPage: true);

        await AdminPage.SignInAsync(ann, tenant, "ann");
        await CaptureAsync(ann, "admin");
        await ann.ScreenshotAsync("admin-full", fullPage: true);

        alice.AssertClean();
        sam.AssertClean();
        ann.AssertClean();
    }

    /// <summary>A screenshot of the person's first tab, then the checks of the page in that state, axe-core's among them.</summary>
    private static async Task CaptureAsync(Person person, string state)
    {
        await person.ScreenshotAsync(state);
        await PageChecks.AssertTidyAsync(person.Page, $"{state} at {person.Viewport}");
        await Accessibility.AssertAccessibleAsync(person.Page, $"{state} at {person.Viewport}");
    }

    private static Task ScrollToAsync(ILocator section) => section.EvaluateAsync("element => element.scrollIntoView({ block: 'start' })");
}
