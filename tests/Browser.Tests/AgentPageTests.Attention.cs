using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// The prompt reaches an agent in another window: a notification and a sound while the tab is hidden, the title
/// counting down, Continue in any tab withdrawing it everywhere. The page's visibility is emulated and the browser's
/// Notification and AudioContext are watched (they still run), by a script that runs before the page's own.
/// </summary>
public sealed partial class AgentPageTests
{
    private const string Watch = """
        (() => {
          let hidden = false;
          Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get() { return hidden ? 'hidden' : 'visible'; } });
          Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get() { return hidden; } });
          window.__setHidden = (value) => { hidden = value; document.dispatchEvent(new Event('visibilitychange')); };
          window.__notifications = [];
          if (typeof window.Notification === 'function') {
            const Real = window.Notification;
            window.Notification = class extends Real {
              constructor(title, options) {
                super(title, options);
                this.__seen = { title, body: options?.body ?? '', tag: options?.tag ?? '', closed: false, click: () => this.onclick?.() };
                window.__notifications.push(this.__seen);
              }
              close() { this.__seen.closed = true; super.close(); }
            };
          }
          window.__tones = 0;
          const createOscillator = AudioContext.prototype.createOscillator;
          AudioContext.prototype.createOscillator = function () { window.__tones++; return createOscillator.call(this); };
          window.__focusCalls = 0;
          const focus = window.focus.bind(window);
          window.focus = () => { window.__focusCalls++; focus(); };
        })();
        """;

    private static readonly Regex CountingDown = new(@"^\(\d:\d\d\) Are you still working\? · Contact Center · Work Sessions$");

    [Fact]
    public async Task APromptInAHiddenTab_IsANotificationAndASound_AndContinueInAnotherTabWithdrawsIt()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: true, inactivityTimeoutSeconds: 6, gracePeriodSeconds: 120);
        await using var alice = await site.NewPersonAsync("agent-alice", output: output);
        await alice.Context.GrantPermissionsAsync(["notifications"]);
        await alice.Context.AddInitScriptAsync(Watch);
        var hiddenTab = await AgentPage.SignInAsync(alice, tenant, "alice");
        await hiddenTab.StartAsync();
        await Expect(hiddenTab.Page.Locator("#notify-hint")).ToBeHiddenAsync();
        var visible = await alice.NewTabAsync();
        await visible.GotoAsync("/console/agent.html");
        var visibleTab = new AgentPage(visible);
        await Expect(visibleTab.Status).ToHaveTextAsync("Ready");

        // The agent looks at another window: the first tab is hidden when the prompt comes.
        await hiddenTab.Page.EvaluateAsync("() => window.__setHidden(true)");
        await Expect(visibleTab.Prompt).ToBeVisibleAsync();
        await hiddenTab.Page.WaitForFunctionAsync("() => window.__notifications.length === 1");
        var shown = await hiddenTab.Page.EvaluateAsync<string[]>("() => { const n = window.__notifications[0]; return [n.title, n.tag, n.body]; }");
        Assert.Equal("Are you still working?", shown[0]);
        Assert.Equal("worksessions-prompt", shown[1]);
        Assert.Matches(@"^Your work session ends in \d:\d\d unless you continue\.", shown[2]);
        Assert.True(await hiddenTab.Page.EvaluateAsync<int>("() => window.__tones") >= 2, "No sound played for the prompt in the hidden tab.");
        await Expect(hiddenTab.Page).ToHaveTitleAsync(CountingDown);
        // The visible tab shows its modal and asks nothing of the operating system.
        Assert.Equal(0, await visible.EvaluateAsync<int>("() => window.__notifications.length"));

        // Continue in the visible tab: the hidden tab's notification goes and its title is itself again.
        await visibleTab.Continue.ClickAsync();
        await hiddenTab.Page.WaitForFunctionAsync("() => window.__notifications[0].closed");
        await Expect(hiddenTab.Page).ToHaveTitleAsync("Contact Center · Work Sessions");

        // The next prompt: selecting the notification brings the tab forward and closes it.
        await hiddenTab.Page.WaitForFunctionAsync("() => window.__notifications.length === 2");
        await hiddenTab.Page.EvaluateAsync("() => window.__notifications[1].click()");
        Assert.True(await hiddenTab.Page.EvaluateAsync<bool>("() => window.__focusCalls > 0 && window.__notifications[1].closed"));
        await visibleTab.Continue.ClickAsync();
        await Expect(hiddenTab.Page).ToHaveTitleAsync("Contact Center · Work Sessions");
        alice.AssertClean();
    }

    [Fact]
    public async Task WithNotificationsRefused_ThePageSaysSo_AndTheTitleAndTheSoundStillTell_UnlessMuted()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: true, inactivityTimeoutSeconds: 6, gracePeriodSeconds: 120);
        await using var bob = await site.NewPersonAsync("agent-bob", output: output);
        await bob.Context.AddInitScriptAsync(Watch);
        var agent = await AgentPage.SignInAsync(bob, tenant, "bob");
        // Starting asks for permission; this browser refuses it (nothing granted it), and the page explains what is left.
        await agent.StartAsync();
        var hint = agent.Page.Locator("#notify-hint");
        await Expect(hint).ToBeVisibleAsync();
        await Expect(hint).ToContainTextAsync("Notifications are blocked for this site");
        await Accessibility.AssertAccessibleAsync(agent.Page, "agent with notifications refused");

        await agent.Page.EvaluateAsync("() => window.__setHidden(true)");
        await Expect(agent.Page).ToHaveTitleAsync(CountingDown);
        Assert.True(await agent.Page.EvaluateAsync<int>("() => window.__tones") >= 2, "No sound played for the prompt.");
        Assert.Equal(0, await agent.Page.EvaluateAsync<int>("() => window.__notifications.length"));
        await agent.Page.EvaluateAsync("() => window.__setHidden(false)");
        await agent.Continue.ClickAsync();

        // Muted, and remembered across a reload: the next prompt in a hidden tab makes no sound.
        var sound = agent.Page.GetByLabel("Play a sound when I am asked whether I am still working", new() { Exact = true });
        await sound.UncheckAsync();
        await agent.Page.ReloadAsync();
        await Expect(sound).Not.ToBeCheckedAsync();
        // A click after the reload is what lets the page play sound again (browsers' autoplay rule): without the mute,
        // this prompt would sound.
        await agent.Page.Locator("#session-heading").ClickAsync();
        await agent.Page.EvaluateAsync("() => window.__setHidden(true)");
        await Expect(agent.Page).ToHaveTitleAsync(CountingDown);
        Assert.Equal(0, await agent.Page.EvaluateAsync<int>("() => window.__tones"));
        await agent.Page.EvaluateAsync("() => window.__setHidden(false)");
        await agent.Continue.ClickAsync();
        await Expect(agent.Page).ToHaveTitleAsync("Contact Center · Work Sessions");
        bob.AssertClean();
    }
}
