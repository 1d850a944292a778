using Microsoft.Playwright;
using WorkSessions.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>The admin page: the API's validation beside the field, and a save over someone else's change.</summary>
public sealed partial class AdminPageTests(ConsoleSite site, ITestOutputHelper output) : IClassFixture<ConsoleSite>
{
    [Fact]
    public async Task ATooSmallTimeout_ShowsTheApisMessageBesideTheField()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var admin = await site.NewPersonAsync("admin-ann", output: output);
        admin.ExpectFailedRequests(400);
        var preferences = await AdminPage.SignInAsync(admin, tenant, "ann");

        await preferences.FillAsync(enabled: true, autoEnd: true, timeoutSeconds: ConsoleSite.MinimumSeconds - 1, graceSeconds: 30);
        Assert.Equal(400, await preferences.SaveAsync());

        await Expect(preferences.Timeout).ToHaveAttributeAsync("aria-invalid", "true");
        var description = await DescriptionOfAsync(preferences.Timeout);
        Assert.Contains($"between {ConsoleSite.MinimumSeconds} and 43200", description, StringComparison.Ordinal);
        await Expect(preferences.Grace).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(preferences.Saved).ToHaveCountAsync(0);
        await admin.ScreenshotAsync("admin-invalid");
        await Accessibility.AssertAccessibleAsync(admin.Page, "admin with a field's validation error");

        // Corrected, it saves and the error goes.
        await preferences.Timeout.FillAsync("60");
        Assert.Equal(200, await preferences.SaveAsync());
        await Expect(preferences.Saved).ToBeVisibleAsync();
        await Expect(preferences.Timeout).Not.ToHaveAttributeAsync("aria-invalid", "true");
        Assert.DoesNotContain("between", await DescriptionOfAsync(preferences.Timeout), StringComparison.Ordinal);
        admin.AssertClean();
    }

    [Fact]
    public async Task RepeatedReasons_ShowTheApisMessageBesideTheReasons()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var admin = await site.NewPersonAsync("admin-ann", output: output);
        admin.ExpectFailedRequests(400);
        var preferences = await AdminPage.SignInAsync(admin, tenant, "ann");
        await Expect(preferences.Reasons).ToHaveValueAsync("Break\nLunch\nTraining\nMeeting");

        await preferences.Reasons.FillAsync("Coaching\nLunch\nlunch");
        Assert.Equal(400, await preferences.SaveAsync());

        await Expect(preferences.Reasons).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(preferences.Reasons).ToBeFocusedAsync();
        Assert.Contains("Reason 3 repeats reason 2.", await DescriptionOfAsync(preferences.Reasons), StringComparison.Ordinal);
        await Expect(preferences.Timeout).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(preferences.Saved).ToHaveCountAsync(0);
        await admin.ScreenshotAsync("admin-reasons-invalid");
        await Accessibility.AssertAccessibleAsync(admin.Page, "admin with the reasons' validation error");

        // Corrected, it saves, the error goes, and the history says what changed.
        await preferences.Reasons.FillAsync("Coaching\nLunch");
        Assert.Equal(200, await preferences.SaveAsync());
        await Expect(preferences.Saved).ToBeVisibleAsync();
        await Expect(preferences.Reasons).Not.ToHaveAttributeAsync("aria-invalid", "true");
        Assert.DoesNotContain("repeats", await DescriptionOfAsync(preferences.Reasons), StringComparison.Ordinal);
        // The change is in the report tables when the save answers: the history shows it without a reload.
        var change = preferences.History.Locator("tbody tr").Filter(new() { HasText = "Not ready reasons: Coaching, Lunch" });
        await Expect(change).ToHaveCountAsync(1);
        await Accessibility.AssertAccessibleAsync(admin.Page, "admin saved, with its change history");
        admin.AssertClean();
    }

    [Fact]
    public async Task SavingOverAnotherAdminsChange_SaysSo_AndReloadShowsTheirs()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var ann = await site.NewPersonAsync("admin-ann", output: output);
        await using var abe = await site.NewPersonAsync("admin-abe", output: output);
        ann.ExpectFailedRequests(409, 412);
        var annsPage = await AdminPage.SignInAsync(ann, tenant, "ann");
        var abesPage = await AdminPage.SignInAsync(abe, tenant, "abe");

        // Abe saves first, in his own browser; Ann's page still holds the version she loaded.
        await abesPage.FillAsync(enabled: true, autoEnd: true, timeoutSeconds: 900, graceSeconds: 120);
        Assert.Equal(200, await abesPage.SaveAsync());
        await Expect(abesPage.Saved).ToBeVisibleAsync();

        await annsPage.FillAsync(enabled: true, autoEnd: false, timeoutSeconds: 300, graceSeconds: 60);
        Assert.Contains(await annsPage.SaveAsync(), new[] { 409, 412 });
        await Expect(annsPage.Conflict).ToBeVisibleAsync();
        await Expect(annsPage.Reload).ToBeVisibleAsync();
        await Expect(annsPage.Saved).ToHaveCountAsync(0);
        await ann.ScreenshotAsync("admin-conflict");
        await Accessibility.AssertAccessibleAsync(ann.Page, "admin with a conflicting save");

        // Reload shows Abe's preferences; Ann's change then saves on top of them.
        await annsPage.Reload.ClickAsync();
        await Expect(annsPage.Timeout).ToHaveValueAsync("900");
        await Expect(annsPage.Grace).ToHaveValueAsync("120");
        await Expect(annsPage.AutoEnd).ToBeCheckedAsync();
        await Expect(annsPage.Conflict).ToBeHiddenAsync();
        await annsPage.Grace.FillAsync("90");
        Assert.Equal(200, await annsPage.SaveAsync());
        await Expect(annsPage.Saved).ToBeVisibleAsync();

        // The change history names both admins, newest first.
        var rows = annsPage.History.Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToContainTextAsync("ann");
        await Expect(rows.Nth(1)).ToContainTextAsync("abe");
        ann.AssertClean();
        abe.AssertClean();
    }

    /// <summary>The text of the elements an input's <c>aria-describedby</c> names.</summary>
    private static Task<string> DescriptionOfAsync(ILocator input) =>
        input.EvaluateAsync<string>(
            "input => (input.getAttribute('aria-describedby') ?? '').split(/\\s+/).filter(Boolean).map(id => document.getElementById(id)?.textContent ?? '').join(' ')");

    /// <summary>
    /// On a phone the change history is wider than the screen: its text clipped at the edge ("Break, Lun…") must be
    /// readable without a mouse. The scrolling wrapper is a named region in the tab order, shows where the focus is,
    /// and scrolls with the arrow keys.
    /// </summary>
    [Fact]
    public async Task TheChangeHistory_IsReachedAndScrolledWithTheKeyboard()
    {
        var tenant = ConsoleSite.NewTenant();
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, inactivityTimeoutSeconds: 600, gracePeriodSeconds: 60,
            notReadyReasons: ["Break", "Lunch", "Training", "Meeting", "Coaching with the team lead (one to one)", "Quality review"]);
        await using var admin = await site.NewPersonAsync("admin-ann", Viewport.Phone, output);
        var preferences = await AdminPage.SignInAsync(admin, tenant, "ann");
        await Expect(preferences.History.Locator("tbody tr")).ToHaveCountAsync(1);
        var region = preferences.HistoryRegion;
        var overflow = await region.EvaluateAsync<int>("region => region.scrollWidth - region.clientWidth");
        Assert.True(overflow > 0, "The change history fits the phone's width, so this test would prove nothing about scrolling it.");

        // Tab from the last control of the form lands on the history: it is in the tab order.
        await preferences.SaveButton.FocusAsync();
        await admin.Page.Keyboard.PressAsync("Tab");
        await Expect(region).ToBeFocusedAsync();
        // And shows it has the focus (the console's focus outline).
        Assert.Equal("solid", await region.EvaluateAsync<string>("region => getComputedStyle(region).outlineStyle"));
        Assert.Equal(0, await region.EvaluateAsync<int>("region => region.scrollLeft"));

        // The arrow keys scroll it sideways, as far as its last column.
        await admin.Page.Keyboard.PressAsync("ArrowRight");
        await Eventually.UntilAsync(() => region.EvaluateAsync<int>("region => region.scrollLeft"), left => left > 0,
            ConsoleSite.Patience, "ArrowRight to scroll the change history");
        for (var press = 0; press < 200 && await region.EvaluateAsync<bool>("region => region.scrollLeft + region.clientWidth < region.scrollWidth - 1"); press++)
        {
            await admin.Page.Keyboard.PressAsync("ArrowRight");
        }

        await Eventually.UntilAsync(
            () => region.EvaluateAsync<bool>("region => region.scrollLeft + region.clientWidth >= region.scrollWidth - 1"),
            atTheEnd => atTheEnd, ConsoleSite.Patience, "the arrow keys to reach the change history's right edge");
        await admin.ScreenshotAsync("admin-history-scrolled");
        await Accessibility.AssertAccessibleAsync(admin.Page, "admin on a phone, the change history focused and scrolled");
        admin.AssertClean();
    }
}
