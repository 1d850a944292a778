using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WorkSessions.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>The agent page (<c>/console/agent.html</c>) by the names the console contract gives its parts.</summary>
public sealed class AgentPage(IPage page)
{
    public IPage Page { get; } = page;

    public ILocator StartHeading => Page.GetByRole(AriaRole.Heading, new() { Name = "Start your work session", Exact = true });

    public ILocator StartButton => Page.GetByRole(AriaRole.Button, new() { Name = "Start work session", Exact = true });

    /// <summary>The status text: <c>Ready</c>, <c>Not ready (reason)</c>, <c>Occupied</c>.</summary>
    public ILocator Status => Page.GetByTestId("agent-status");

    public ILocator StatusButton => Page.GetByRole(AriaRole.Button, new() { Name = "Status", Exact = true });

    public ILocator StatusMenu => Page.GetByRole(AriaRole.Menu);

    /// <summary>An item of the status menu by its whole name, e.g. <c>Not ready — Coaching</c>.</summary>
    public ILocator MenuItem(string name) => StatusMenu.GetByRole(AriaRole.Menuitem, new() { Name = name, Exact = true });

    /// <summary>The dialog that asks for a reason of the agent's own ("Not ready — other…").</summary>
    public ILocator ReasonDialog => Page.GetByRole(AriaRole.Dialog, new() { Name = "Not ready", Exact = true });

    public ILocator Prompt => Page.GetByRole(AriaRole.Dialog, new() { Name = "Are you still working?", Exact = true });

    public ILocator Countdown => Prompt.GetByTestId("countdown");

    public ILocator Continue => Prompt.GetByRole(AriaRole.Button, new() { Name = "Continue", Exact = true });

    public ILocator Ended => Page.GetByText("Your work session ended — you are offline");

    public ILocator StartAgain => Page.GetByRole(AriaRole.Button, new() { Name = "Start again", Exact = true });

    /// <summary>The card that says which inactivity timeout applies to the agent.</summary>
    public ILocator Timeout => Page.GetByRole(AriaRole.Region, new() { Name = "Inactivity timeout", Exact = true });

    /// <summary>What the timeout does: after how long the prompt comes and how long the agent has to continue.</summary>
    public ILocator TimeoutRule => Timeout.GetByTestId("timeout-rule");

    /// <summary>Where the timeout comes from: the organisation (tenant) or the agent's team.</summary>
    public ILocator TimeoutSource => Timeout.GetByTestId("timeout-source");

    /// <summary>Signs in as an agent and waits for the page to know there is no session yet.</summary>
    public static async Task<AgentPage> SignInAsync(Person person, string tenant, string agent)
    {
        await person.SignInAsync(tenant, agent, "agent");
        var page = new AgentPage(person.Page);
        await Expect(page.StartButton).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Starts a work session with the button and waits for the status Ready.</summary>
    public async Task StartAsync()
    {
        await StartButton.ClickAsync();
        await Expect(Status).ToHaveTextAsync("Ready");
    }
}

/// <summary>The admin page (<c>/console/admin.html</c>).</summary>
public sealed class AdminPage(IPage page)
{
    public IPage Page { get; } = page;

    public ILocator Enabled => Page.GetByLabel("Agent Work Sessions", new() { Exact = true });

    public ILocator AutoEnd => Page.GetByLabel("Auto-end", new() { Exact = true });

    public ILocator Timeout => Page.GetByLabel("Inactivity timeout (seconds)", new() { Exact = true });

    public ILocator Grace => Page.GetByLabel("Grace period (seconds)", new() { Exact = true });

    /// <summary>The not-ready reasons, one per line.</summary>
    public ILocator Reasons => Page.GetByLabel("Not ready reasons", new() { Exact = true });

    public ILocator SaveButton => Page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true });

    public ILocator Saved => Page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Saved" });

    public ILocator Conflict => Page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "changed by someone else" });

    public ILocator Reload => Conflict.GetByRole(AriaRole.Button, new() { Name = "Reload", Exact = true });

    public ILocator History => Page.GetByRole(AriaRole.Table, new() { Name = "Change history", Exact = true });

    /// <summary>The change history's scrolling wrapper: a region a keyboard can reach and scroll.</summary>
    public ILocator HistoryRegion => Page.GetByRole(AriaRole.Region, new() { Name = "Change history table", Exact = true });

    /// <summary>Signs in as an admin and waits until the page shows the preferences it loaded.</summary>
    public static async Task<AdminPage> SignInAsync(Person person, string tenant, string admin)
    {
        await person.Page.RunAndWaitForResponseAsync(() => person.SignInAsync(tenant, admin, "admin"), IsPreferencesRead);
        var page = new AdminPage(person.Page);
        await Expect(page.Timeout).ToHaveValueAsync(new Regex(@"^\d+$"));
        return page;
    }

    /// <summary>Fills the form as a person would.</summary>
    public async Task FillAsync(bool enabled, bool autoEnd, int timeoutSeconds, int graceSeconds)
    {
        await Enabled.SetCheckedAsync(enabled);
        await AutoEnd.SetCheckedAsync(autoEnd);
        await Timeout.FillAsync(timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Grace.FillAsync(graceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Clicks Save and returns the status the API answered the PUT with.</summary>
    public async Task<int> SaveAsync()
    {
        var response = await Page.RunAndWaitForResponseAsync(() => SaveButton.ClickAsync(),
            response => response.Request.Method == "PUT" && response.Url.EndsWith("/api/v1/preferences/work-sessions", StringComparison.Ordinal));
        return response.Status;
    }

    private static bool IsPreferencesRead(IResponse response) =>
        response.Request.Method == "GET" && response.Url.EndsWith("/api/v1/preferences/work-sessions", StringComparison.Ordinal);
}

/// <summary>The supervisor page (<c>/console/supervisor.html</c>): the live roster and the reports.</summary>
public sealed class SupervisorPage(IPage page)
{
    public IPage Page { get; } = page;

    public ILocator Roster => Page.GetByRole(AriaRole.Table, new() { Name = "Agents", Exact = true });

    /// <summary>The roster row of <paramref name="agent"/> (agent ids in a test never contain one another).</summary>
    public ILocator Row(string agent) => Roster.GetByRole(AriaRole.Row).Filter(new() { HasText = agent });

    public ILocator EndButton(string agent) => Page.GetByRole(AriaRole.Button, new() { Name = $"End session for {agent}", Exact = true });

    public ILocator EndDialog => Page.GetByRole(AriaRole.Dialog, new() { Name = "End work session", Exact = true });

    public ILocator Note => EndDialog.GetByLabel("Note (optional)", new() { Exact = true });

    public ILocator EndSession => EndDialog.GetByRole(AriaRole.Button, new() { Name = "End session", Exact = true });

    /// <summary>A report's section, by its heading (<c>Timeline</c>, <c>Sessions</c>, <c>Timecards</c>, <c>Concurrency</c>).</summary>
    public ILocator Section(string heading) => Page.GetByRole(AriaRole.Region, new() { Name = heading, Exact = true });

    public ILocator Sessions => Page.GetByRole(AriaRole.Table, new() { Name = "Sessions", Exact = true });

    public ILocator SessionRow(string agent) => Sessions.GetByRole(AriaRole.Row).Filter(new() { HasText = agent });

    /// <summary>The timeline's bars of one agent: <c>session</c> or <c>status</c>.</summary>
    public ILocator TimelineBars(string agent, string kind) =>
        Section("Timeline").Locator($"svg rect[data-agent='{agent}'][data-kind='{kind}']");

    public static async Task<SupervisorPage> SignInAsync(Person person, string tenant, string supervisor)
    {
        await person.SignInAsync(tenant, supervisor, "supervisor");
        var page = new SupervisorPage(person.Page);
        await Expect(page.Roster).ToBeVisibleAsync();
        return page;
    }

    /// <summary>
    /// Shows a report again (its section's submit button) until <paramref name="expected"/> appears: reports are
    /// delivered a moment after the transition, so the first reading may predate it.
    /// </summary>
    public async Task RefreshUntilVisibleAsync(string section, ILocator expected, string what)
    {
        var show = Section(section).GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true });
        await Eventually.UntilAsync(async () =>
        {
            await show.ClickAsync();
            try
            {
                await expected.First.WaitForAsync(new() { Timeout = 2000 });
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }, shown => shown, ConsoleSite.Patience, what, TimeSpan.FromMilliseconds(300));
    }
}
