using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>The preferences page's client-gone fields: the API's message beside the field, saved, kept, in the history.</summary>
public sealed partial class AdminPageTests
{
    [Fact]
    public async Task ClientGone_IsSetOnThePreferencesPage_ValidatedKeptAndInTheHistory()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var ann = await site.NewPersonAsync("admin-ann", output: output);
        ann.ExpectFailedRequests(400);
        var preferences = await AdminPage.SignInAsync(ann, tenant, "ann");
        var seconds = ann.Page.GetByLabel("Client gone after (seconds)", new() { Exact = true });
        var action = ann.Page.GetByLabel("When the client is gone", new() { Exact = true });
        await Expect(seconds).ToHaveValueAsync("");

        await preferences.FillAsync(enabled: true, autoEnd: false, timeoutSeconds: 600, graceSeconds: 60);
        await seconds.FillAsync("14");
        Assert.Equal(400, await preferences.SaveAsync());
        await Expect(seconds).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Contains("between 15 and 3600", await DescriptionOfAsync(seconds), StringComparison.Ordinal);
        await Accessibility.AssertAccessibleAsync(ann.Page, "admin with a client-gone validation error");

        await seconds.FillAsync("45");
        await action.SelectOptionAsync("endSession");
        Assert.Equal(200, await preferences.SaveAsync());
        await Expect(preferences.Saved).ToBeVisibleAsync();

        await ann.Page.ReloadAsync();
        await Expect(seconds).ToHaveValueAsync("45");
        await Expect(action).ToHaveValueAsync("endSession");
        await Expect(preferences.History).ToContainTextAsync("Client gone after: 45 s");
        await Accessibility.AssertAccessibleAsync(ann.Page, "admin with client gone set");
        ann.AssertClean();
    }
}
