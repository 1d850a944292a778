using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>The agent page: tabs kept in step by the server's events, the keyboard, and the prompt's focus handling.</summary>
public sealed partial class AgentPageTests(ConsoleSite site, ITestOutputHelper output) : IClassFixture<ConsoleSite>
{
    [Fact]
    public async Task ContinueInOneTab_ClosesThePromptInBoth()
    {
        var tenant = ConsoleSite.NewTenant();
        // Between Continue and the next prompt lie these seconds: time enough to see both prompts close.
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: true, inactivityTimeoutSeconds: 6, gracePeriodSeconds: 120);
        await using var alice = await site.NewPersonAsync("agent-alice", output: output);
        var first = await AgentPage.SignInAsync(alice, tenant, "alice");
        await first.StartAsync();

        // The second tab is signed in through the shared storage and reads the open session.
        var tab = await alice.NewTabAsync();
        await tab.GotoAsync("/console/agent.html");
        var second = new AgentPage(tab);
        await Expect(second.Status).ToHaveTextAsync("Ready");

        await Expect(first.Prompt).ToBeVisibleAsync();
        await Expect(second.Prompt).ToBeVisibleAsync();

        await first.Continue.ClickAsync();

        await Expect(first.Prompt).ToBeHiddenAsync();
        await Expect(second.Prompt).ToBeHiddenAsync();
        await Expect(first.Status).ToHaveTextAsync("Ready");
        await Expect(second.Status).ToHaveTextAsync("Ready");
        alice.AssertClean();
    }

    [Fact]
    public async Task StatusMenu_WorksWithTheKeyboard()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, inactivityTimeoutSeconds: 600, gracePeriodSeconds: 60);
        await using var alice = await site.NewPersonAsync("agent-alice", output: output);
        var agent = await AgentPage.SignInAsync(alice, tenant, "alice");
        await agent.StartAsync();
        var keyboard = agent.Page.Keyboard;

        await agent.StatusButton.FocusAsync();
        await keyboard.PressAsync("Enter");
        await Expect(agent.StatusMenu).ToBeVisibleAsync();
        await Expect(agent.StatusButton).ToHaveAttributeAsync("aria-expanded", "true");
        var items = agent.StatusMenu.GetByRole(AriaRole.Menuitem);
        await Expect(items.First).ToBeFocusedAsync();
        await Expect(items.Filter(new() { HasText = "Ready" }).First).ToBeVisibleAsync();
        await Expect(items.Filter(new() { HasText = "Not ready" }).First).ToBeVisibleAsync();
        await Expect(items.Filter(new() { HasText = "End Work Session" })).ToHaveCountAsync(1);

        // Arrows move through the items and wrap around.
        await keyboard.PressAsync("ArrowDown");
        await Expect(items.Nth(1)).ToBeFocusedAsync();
        await keyboard.PressAsync("ArrowUp");
        await keyboard.PressAsync("ArrowUp");
        await Expect(items.Last).ToBeFocusedAsync();

        // Escape closes the menu and gives the focus back to its button.
        await keyboard.PressAsync("Escape");
        await Expect(agent.StatusMenu).ToBeHiddenAsync();
        await Expect(agent.StatusButton).ToBeFocusedAsync();
        await Expect(agent.StatusButton).ToHaveAttributeAsync("aria-expanded", "false");

        // "End Work Session", chosen with the keyboard, ends the session.
        await keyboard.PressAsync("ArrowDown");
        await Expect(agent.StatusMenu).ToBeVisibleAsync();
        await keyboard.PressAsync("End");
        await Expect(items.Filter(new() { HasText = "End Work Session" })).ToBeFocusedAsync();
        await keyboard.PressAsync("Enter");
        await Expect(agent.Ended).ToBeVisibleAsync();
        await Expect(agent.StartAgain).ToBeFocusedAsync();
        alice.AssertClean();
    }

    [Fact]
    public async Task TheAdminsReasons_AreTheStatusMenu_AndChoosingOneSetsNotReadyWithIt()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var ann = await site.NewPersonAsync("admin-ann", output: output);
        await using var alice = await site.NewPersonAsync("agent-alice", output: output);
        var preferences = await AdminPage.SignInAsync(ann, tenant, "ann");
        await preferences.FillAsync(enabled: true, autoEnd: false, timeoutSeconds: 600, graceSeconds: 60);
        await preferences.Reasons.FillAsync("Coaching\n  Lunch  \n\n");
        Assert.Equal(200, await preferences.SaveAsync());
        await Expect(preferences.Saved).ToBeVisibleAsync();
        await Expect(preferences.Reasons).ToHaveValueAsync("Coaching\nLunch");

        var agent = await AgentPage.SignInAsync(alice, tenant, "alice");
        await agent.StartAsync();
        await agent.StatusButton.ClickAsync();
        var items = agent.StatusMenu.GetByRole(AriaRole.Menuitem);
        await Expect(items).ToHaveTextAsync(["Ready", "Not ready — Coaching", "Not ready — Lunch", "Not ready — other…", "End Work Session"]);
        await alice.ScreenshotAsync("agent-reasons-menu");

        // With the keyboard, as the menu button pattern has it: the first item has the focus, ArrowDown moves it.
        await Expect(items.First).ToBeFocusedAsync();
        await alice.Page.Keyboard.PressAsync("ArrowDown");
        await Expect(agent.MenuItem("Not ready — Coaching")).ToBeFocusedAsync();
        await alice.Page.Keyboard.PressAsync("Enter");

        await Expect(agent.Status).ToHaveTextAsync("Not ready (Coaching)");
        await Expect(agent.StatusMenu).ToBeHiddenAsync();
        await Expect(agent.StatusButton).ToBeFocusedAsync();
        await Accessibility.AssertAccessibleAsync(alice.Page, "agent not ready with a reason");
        var view = await site.AgentViewAsync(tenant, "alice");
        Assert.Equal(("notReady", "Coaching"), (view.GetProperty("status").GetString(), view.GetProperty("statusReason").GetString()));

        // "other…" still takes any reason.
        await agent.StatusButton.ClickAsync();
        await agent.MenuItem("Not ready — other…").ClickAsync();
        await Expect(agent.ReasonDialog).ToBeVisibleAsync();
        await Accessibility.AssertAccessibleAsync(alice.Page, "agent asked for a reason of their own");
        await agent.ReasonDialog.GetByLabel("Reason", new() { Exact = true }).FillAsync("Dentist");
        await agent.ReasonDialog.GetByRole(AriaRole.Button, new() { Name = "Set not ready", Exact = true }).ClickAsync();
        await Expect(agent.Status).ToHaveTextAsync("Not ready (Dentist)");

        // The admin changes the list while Alice works; her next session offers the new one.
        await preferences.Reasons.FillAsync("Coaching\nTeam huddle");
        Assert.Equal(200, await preferences.SaveAsync());
        await agent.StatusButton.ClickAsync();
        await agent.MenuItem("End Work Session").ClickAsync();
        await agent.StartAgain.ClickAsync();
        await Expect(agent.Status).ToHaveTextAsync("Ready");
        await agent.StatusButton.ClickAsync();
        await Expect(items).ToHaveTextAsync(["Ready", "Not ready — Coaching", "Not ready — Team huddle", "Not ready — other…", "End Work Session"]);
        await agent.MenuItem("Not ready — Team huddle").ClickAsync();
        await Expect(agent.Status).ToHaveTextAsync("Not ready (Team huddle)");
        ann.AssertClean();
        alice.AssertClean();
    }

    [Fact]
    public async Task TheTimeoutThatApplies_IsShownWithItsSource_AndFollowsTheAdminsChange()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: true, inactivityTimeoutSeconds: 600, gracePeriodSeconds: 30);
        await using var alice = await site.NewPersonAsync("agent-alice", output: output);
        var agent = await AgentPage.SignInAsync(alice, tenant, "alice");

        await Expect(agent.TimeoutRule).ToHaveTextAsync(
            "After 10 minutes without activity you are asked whether you are still working; your work session ends 30 seconds later unless you continue.");
        await Expect(agent.TimeoutSource).ToHaveTextAsync("Set by your organisation.");

        // The admin changes the tenant's timeout while the page is open; starting a session reads it again.
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: true, inactivityTimeoutSeconds: 5400, gracePeriodSeconds: 90);
        await agent.StartAsync();
        await Expect(agent.TimeoutRule).ToHaveTextAsync(
            "After 1 hour 30 minutes without activity you are asked whether you are still working; your work session ends 1 minute 30 seconds later unless you continue.");
        await Accessibility.AssertAccessibleAsync(alice.Page, "agent page with the timeout that applies");

        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, inactivityTimeoutSeconds: 5400, gracePeriodSeconds: 90);
        await agent.StatusButton.ClickAsync();
        await agent.MenuItem("End Work Session").ClickAsync();
        await agent.StartAgain.ClickAsync();
        await Expect(agent.TimeoutRule).ToHaveTextAsync("Your work session does not end when you are inactive.");
        alice.AssertClean();
    }

    [Theory]
    [InlineData("team", "team", "team", "Set by your team night.")]
    [InlineData("tenant", "team", "tenant", "Timeout set by your team night; the rest by your organisation.")]
    [InlineData("tenant", "tenant", "tenant", "Set by your organisation; your team night does not change it.")]
    public async Task ATeamsOverride_IsNamedAsTheSource(string autoEndSource, string timeoutSource, string graceSource, string shown)
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: true, inactivityTimeoutSeconds: 120, gracePeriodSeconds: 30);
        // Alice's team night overrides the fields whose source is the team, with the tenant's own values, so the rule
        // reads the same in every case and only the source changes.
        var overrides = new Dictionary<string, object>();
        if (autoEndSource == "team")
        {
            overrides["autoEndEnabled"] = true;
        }

        if (timeoutSource == "team")
        {
            overrides["inactivityTimeoutSeconds"] = 120;
        }

        if (graceSource == "team")
        {
            overrides["gracePeriodSeconds"] = 30;
        }

        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/teams/night", JsonSerializer.Serialize(new { name = "Night", preferences = overrides }));
        await site.AsAdminAsync(tenant, HttpMethod.Post, "api/v1/teams/night/members", """{"add":["alice"]}""");
        await using var alice = await site.NewPersonAsync("agent-alice", output: output);

        var agent = await AgentPage.SignInAsync(alice, tenant, "alice");

        await Expect(agent.TimeoutRule).ToHaveTextAsync(
            "After 2 minutes without activity you are asked whether you are still working; your work session ends 30 seconds later unless you continue.");
        await Expect(agent.TimeoutSource).ToHaveTextAsync(shown);
        alice.AssertClean();
    }

    [Fact]
    public async Task Prompt_TakesTheFocus_KeepsIt_AndGivesItBack()
    {
        var tenant = ConsoleSite.NewTenant();
        // After Continue the next prompt is this far away: time enough to see where the focus went.
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: true, inactivityTimeoutSeconds: 6, gracePeriodSeconds: 120);
        await using var alice = await site.NewPersonAsync("agent-alice", output: output);
        var agent = await AgentPage.SignInAsync(alice, tenant, "alice");
        await agent.StartAsync();
        await agent.StatusButton.FocusAsync();

        await Expect(agent.Prompt).ToBeVisibleAsync();
        await Expect(agent.Continue).ToBeFocusedAsync();

        // A modal keeps the keyboard off the page behind it: Tab stays in the dialog (or, past its last control, goes to
        // the browser's own controls, as a native modal dialog lets it), never to the page's controls.
        await agent.Page.Keyboard.PressAsync("Tab");
        await AssertFocusNotBehindAsync(agent.Prompt, "Tab");
        await agent.Page.Keyboard.PressAsync("Shift+Tab");
        await AssertFocusNotBehindAsync(agent.Prompt, "Shift+Tab");

        // Escape does not dismiss it: only Continue (or the deadline) does.
        await agent.Page.Keyboard.PressAsync("Escape");
        await Expect(agent.Prompt).ToBeVisibleAsync();

        await agent.Continue.FocusAsync();
        await agent.Page.Keyboard.PressAsync("Enter");
        await Expect(agent.Prompt).ToBeHiddenAsync();
        await Expect(agent.StatusButton).ToBeFocusedAsync();
        alice.AssertClean();
    }

    private static async Task AssertFocusNotBehindAsync(ILocator dialog, string key)
    {
        var focused = await dialog.EvaluateAsync<string?>(
            "dialog => { const active = document.activeElement; return !active || active === document.body || dialog.contains(active) ? null : active.outerHTML.slice(0, 120); }");
        Assert.True(focused is null, $"After {key} the focus left the modal for the page behind it: {focused}");
    }
}
