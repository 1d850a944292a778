using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>The admin's Teams page end to end, with axe-core in each state it passes through.</summary>
public sealed partial class AdminPageTests
{
    [Fact]
    public async Task AnAdmin_CreatesATeam_AddsMembersByPasteAndByCsv_EditsAnOverride_AndDeletesIt()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, inactivityTimeoutSeconds: 600, gracePeriodSeconds: 60);
        await using var admin = await site.NewPersonAsync("admin-ann", output: output);
        await admin.SignInAsync(tenant, "ann", "admin");
        var page = admin.Page;
        var pages = page.GetByRole(AriaRole.Banner).GetByRole(AriaRole.Navigation, new() { Name = "Console pages", Exact = true });
        await pages.GetByRole(AriaRole.Link, new() { Name = "Teams", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/console/teams\.html$"));
        await Expect(page.GetByText("No teams yet: create one below.")).ToBeVisibleAsync();

        // The tenant's value beside each override.
        await Expect(page.Locator("#team-timeout-tenant")).ToHaveTextAsync("Tenant: 600 seconds; empty follows the tenant.");
        await Expect(page.Locator("#team-grace-tenant")).ToHaveTextAsync("Tenant: 60 seconds; empty follows the tenant.");
        await Expect(page.Locator("#team-auto-end-tenant")).ToHaveTextAsync("Tenant: off");
        await CaptureAsync(admin, "teams-empty");

        // Created, with one override; the others stay empty (they follow the tenant).
        await page.GetByLabel("Team id", new() { Exact = true }).FillAsync("night");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Night");
        await page.GetByLabel("Supervisors", new() { Exact = true }).FillAsync("sup-1\nsup-2");
        await page.GetByLabel("Inactivity timeout (seconds)", new() { Exact = true }).FillAsync("120");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save team", Exact = true }).ClickAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync("Saved Night.");
        var row = page.Locator("#teams tbody tr[data-team=night]");
        await Expect(row).ToContainTextAsync("sup-1, sup-2");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Edit Night", Exact = true })).ToBeVisibleAsync();

        // Members pasted.
        var ids = page.GetByLabel("Agent ids", new() { Exact = true });
        await ids.FillAsync("alice, bob\ncarol");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add members", Exact = true }).ClickAsync();
        var result = page.Locator("#members-result");
        await Expect(result).ToHaveTextAsync("Done: added 3, moved from another team 0, removed 0.");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("3");

        // Members from a CSV file, its header and second column left out; added with the keyboard. alice is a member
        // already, so she is not counted again.
        var csv = Encoding.UTF8.GetBytes("agentId,name\ndave,Dave\nerin,Erin\nalice,Alice\n");
        await page.GetByLabel("CSV file", new() { Exact = true }).SetInputFilesAsync(new FilePayload { Name = "agents.csv", MimeType = "text/csv", Buffer = csv });
        await Expect(ids).ToHaveValueAsync("dave\nerin\nalice");
        await Expect(page.Locator("#status")).ToHaveTextAsync("Read 3 agent ids from agents.csv.");
        await page.GetByLabel("CSV file", new() { Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Add members", Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(result).ToHaveTextAsync("Done: added 2, moved from another team 0, removed 0.");
        await Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("5");
        await Expect(page.Locator("#members-count")).ToHaveTextAsync("5 agents in this team.");
        await CaptureAsync(admin, "teams-members");

        // An override edited: saved over the version read (If-Match).
        await page.GetByLabel("Grace period (seconds)", new() { Exact = true }).FillAsync("90");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save team", Exact = true }).ClickAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync("Saved Night.");
        await Expect(page.GetByLabel("Grace period (seconds)", new() { Exact = true })).ToHaveValueAsync("90");
        await Expect(page.GetByLabel("Inactivity timeout (seconds)", new() { Exact = true })).ToHaveValueAsync("120");
        await Expect(page.GetByLabel("Auto-end", new() { Exact = true })).ToHaveValueAsync("");

        // Deleted after the confirmation.
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete Night", Exact = true }).ClickAsync();
        await Expect(page.Locator("#status")).ToHaveTextAsync("Deleted Night.");
        await Expect(page.GetByText("No teams yet: create one below.")).ToBeVisibleAsync();
        await Expect(page.Locator("#members-panel")).ToBeHiddenAsync();
        await CaptureAsync(admin, "teams-deleted");
        admin.AssertClean();
    }
}
