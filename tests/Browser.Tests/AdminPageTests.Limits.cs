using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>The not-ready limits table on the Preferences page, and a team's shift end and own limits on the Teams page.</summary>
public sealed partial class AdminPageTests
{
    [Fact]
    public async Task NotReadyLimits_AreEditedInATable_KeptAndInTheHistory_AndAnUnknownReasonIsMarked()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var ann = await site.NewPersonAsync("admin-ann", output: output);
        ann.ExpectFailedRequests(400);
        var preferences = await AdminPage.SignInAsync(ann, tenant, "ann");
        var page = ann.Page;
        var table = page.GetByTestId("limits-table");
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(0);

        await preferences.FillAsync(enabled: true, autoEnd: false, timeoutSeconds: 600, graceSeconds: 60);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a limit", Exact = true }).ClickAsync();
        var row = table.Locator("tbody tr").First;
        await Expect(row.GetByLabel("Reason", new() { Exact = true })).ToBeFocusedAsync();
        await row.GetByLabel("Reason", new() { Exact = true }).FillAsync("Nap");
        await row.GetByLabel("Limit in minutes").FillAsync("15");
        await row.GetByLabel("Warn minutes before", new() { Exact = true }).FillAsync("2");
        await row.GetByLabel("Action").SelectOptionAsync("endSession");
        Assert.Equal(400, await preferences.SaveAsync());
        await Expect(row.GetByLabel("Reason", new() { Exact = true })).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#limits-error")).ToContainTextAsync("Limit 1 names a reason that is not one of notReadyReasons");
        await Accessibility.AssertAccessibleAsync(page, "admin with a limit's validation error");

        await row.GetByLabel("Reason", new() { Exact = true }).FillAsync("Break");
        Assert.Equal(200, await preferences.SaveAsync());
        await Expect(preferences.Saved).ToBeVisibleAsync();
        await Accessibility.AssertAccessibleAsync(page, "admin with a not-ready limit");

        await page.ReloadAsync();
        row = table.Locator("tbody tr").First;
        await Expect(row.GetByLabel("Reason", new() { Exact = true })).ToHaveValueAsync("Break");
        await Expect(row.GetByLabel("Limit in minutes")).ToHaveValueAsync("15");
        await Expect(row.GetByLabel("Warn minutes before", new() { Exact = true })).ToHaveValueAsync("2");
        await Expect(row.GetByLabel("Action")).ToHaveValueAsync("endSession");
        await Expect(preferences.History).ToContainTextAsync("Break 15 min (warn 2 min before, end session)");
        ann.AssertClean();
    }

    [Fact]
    public async Task ATeamsShiftEnd_AndOwnLimits_AreSetOnTheTeamsPage_AndKept()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, inactivityTimeoutSeconds: 600, gracePeriodSeconds: 60);
        await site.AsAdminAsync(tenant, HttpMethod.Put, "api/v1/teams/night", """{ "name": "Night", "timeZone": "Europe/Berlin", "supervisors": [] }""");
        await using var ann = await site.NewPersonAsync("admin-ann", output: output);
        await AdminPage.SignInAsync(ann, tenant, "ann");
        var page = ann.Page;
        await page.GotoAsync("/console/teams.html");
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Night", Exact = true }).ClickAsync();

        await page.GetByLabel("Shift ends at").FillAsync("02:30");
        await page.GetByLabel("Warn minutes before the shift ends").FillAsync("15");
        await page.GetByLabel("Own not ready limits (replace the tenant's whole list)").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a limit", Exact = true }).ClickAsync();
        var row = page.GetByTestId("team-limits-table").Locator("tbody tr").First;
        await row.GetByLabel("Reason", new() { Exact = true }).FillAsync("Lunch");
        await row.GetByLabel("Limit in minutes").FillAsync("45");
        await row.GetByLabel("Warn minutes before", new() { Exact = true }).FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save team", Exact = true }).ClickAsync();
        await Expect(page.Locator("#team-version")).ToContainTextAsync("Version 2");
        await Accessibility.AssertAccessibleAsync(page, "teams page with a shift end and own limits");

        await page.ReloadAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Night", Exact = true }).ClickAsync();
        await Expect(page.GetByLabel("Shift ends at")).ToHaveValueAsync("02:30");
        await Expect(page.GetByLabel("Warn minutes before the shift ends")).ToHaveValueAsync("15");
        await Expect(page.GetByLabel("Own not ready limits (replace the tenant's whole list)")).ToBeCheckedAsync();
        await Expect(page.GetByTestId("team-limits-table").Locator("tbody tr").First.GetByLabel("Reason", new() { Exact = true })).ToHaveValueAsync("Lunch");
        ann.AssertClean();
    }
}
