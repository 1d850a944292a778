using System.Globalization;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>The agent page's notices of a not-ready limit and of the shift's end: visible and in a live region (docs/architecture.md#limits).</summary>
public sealed partial class AgentPageTests
{
    [Fact]
    public async Task ANotReadyLimitsWarning_IsAVisibleNotice_AnnouncedToScreenReaders()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, inactivityTimeoutSeconds: 600, gracePeriodSeconds: 60);
        // Warned 59 s before a 60 s limit: a second after the status changes.
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/preferences/work-sessions",
            """{ "workSessionsEnabled": true, "autoEndEnabled": false, "inactivityTimeoutSeconds": 600, "gracePeriodSeconds": 60, "notReadyLimits": [{ "reason": "Break", "maxSeconds": 60, "warnSecondsBefore": 59, "action": "alert" }] }""");
        await using var alice = await site.NewPersonAsync("agent-alice", output: output);
        var agent = await AgentPage.SignInAsync(alice, tenant, "alice");
        await agent.StartAsync();
        var notice = agent.Page.GetByTestId("limit-notice");
        await Expect(notice).ToHaveAttributeAsync("aria-live", "polite");
        await Expect(notice).ToHaveAttributeAsync("role", "status");
        await Expect(notice).ToBeEmptyAsync();

        await agent.StatusButton.ClickAsync();
        await agent.MenuItem("Not ready — Break").ClickAsync();

        await Expect(notice).ToContainTextAsync("You have been not ready (Break) for a long time", new() { Timeout = (float)ConsoleSite.Patience.TotalMilliseconds });
        await Expect(notice).ToBeVisibleAsync();
        await Accessibility.AssertAccessibleAsync(agent.Page, "agent with a not-ready limit's warning");
        await Expect(notice).ToContainTextAsync("your supervisor has been told", new() { Timeout = (float)ConsoleSite.Patience.TotalMilliseconds });

        // Ready again: the limit's notice goes.
        await agent.StatusButton.ClickAsync();
        await agent.MenuItem("Ready").ClickAsync();
        await Expect(notice).ToBeEmptyAsync();
        alice.AssertClean();
    }

    [Fact]
    public async Task TheShiftsEnd_IsAVisibleNotice_AnnouncedToScreenReaders()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, inactivityTimeoutSeconds: 600, gracePeriodSeconds: 60);
        // A shift that ends within the warning: the agent is told as the session starts.
        var endsAt = DateTimeOffset.UtcNow.AddMinutes(30).ToString("HH:mm", CultureInfo.InvariantCulture);
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/teams/day",
            $$"""{ "name": "Day", "timeZone": "UTC", "supervisors": [], "preferences": { "shiftEnd": { "time": "{{endsAt}}", "warnMinutes": 60 } } }""");
        await site.AsAdminAsync(tenant, HttpMethod.Post, "api/v1/teams/day/members", """{ "add": ["alice"] }""");
        await using var alice = await site.NewPersonAsync("agent-alice", output: output);
        var agent = await AgentPage.SignInAsync(alice, tenant, "alice");

        await agent.StartAsync();

        var notice = agent.Page.GetByTestId("limit-notice");
        await Expect(notice).ToContainTextAsync("Your shift ends at", new() { Timeout = (float)ConsoleSite.Patience.TotalMilliseconds });
        await Expect(notice).ToHaveAttributeAsync("role", "status");
        await Accessibility.AssertAccessibleAsync(agent.Page, "agent told of the shift's end");
        alice.AssertClean();
    }
}
