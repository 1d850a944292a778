using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>The preferences page's supervisor scope: set, kept across a reload, in the change history.</summary>
public sealed partial class AdminPageTests
{
    [Fact]
    public async Task SupervisorScope_IsChosenOnThePreferencesPage_KeptAndInTheHistory()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var ann = await site.NewPersonAsync("admin-ann", output: output);
        var preferences = await AdminPage.SignInAsync(ann, tenant, "ann");
        var scope = ann.Page.GetByLabel("Supervisors see", new() { Exact = true });
        await Expect(scope).ToHaveValueAsync("tenant");

        await preferences.FillAsync(enabled: true, autoEnd: false, timeoutSeconds: 600, graceSeconds: 60);
        await scope.SelectOptionAsync("teams");
        Assert.Equal(200, await preferences.SaveAsync());
        await Expect(preferences.Saved).ToBeVisibleAsync();
        await Accessibility.AssertAccessibleAsync(ann.Page, "admin with the supervisor scope");

        await ann.Page.ReloadAsync();
        await Expect(scope).ToHaveValueAsync("teams");
        await Expect(preferences.History).ToContainTextAsync("Supervisors see: their teams");
        ann.AssertClean();
    }
}
