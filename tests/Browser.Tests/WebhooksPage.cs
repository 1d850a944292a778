using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>The webhooks page (<c>/console/webhooks.html</c>, admins only) by the names it gives its parts.</summary>
public sealed class WebhooksPage(IPage page)
{
    public IPage Page { get; } = page;

    /// <summary>The live region that says what an action did.</summary>
    public ILocator Status => Page.Locator("#status");

    /// <summary>The page's alert for problems outside the new-endpoint form.</summary>
    public ILocator Error => Page.Locator("#error");

    public ILocator EndpointsHeading => Page.GetByRole(AriaRole.Heading, new() { Name = "Endpoints", Exact = true });

    public ILocator Count => Page.Locator("#endpoints-count");

    public ILocator Refresh => Page.GetByRole(AriaRole.Button, new() { Name = "Refresh endpoints", Exact = true });

    public ILocator RefreshLog => Page.GetByRole(AriaRole.Button, new() { Name = "Refresh delivery log", Exact = true });

    public ILocator Empty => Page.GetByText("No endpoints yet: create one below.");

    public ILocator Url => Page.GetByLabel("URL", new() { Exact = true });

    public ILocator Description => Page.GetByLabel("Description (optional)", new() { Exact = true });

    /// <summary>The checkbox of one event kind, e.g. <c>session-started</c>.</summary>
    public ILocator Kind(string kind) => Page.GetByRole(AriaRole.Group, new() { Name = "Events", Exact = true }).GetByLabel(kind, new() { Exact = true });

    public ILocator Create => Page.GetByRole(AriaRole.Button, new() { Name = "Create endpoint", Exact = true });

    /// <summary>The new-endpoint form's alert.</summary>
    public ILocator CreateError => Page.Locator("#create-error");

    public ILocator SecretPanel => Page.GetByRole(AriaRole.Region, new() { Name = "Signing secret", Exact = true });

    public ILocator SecretValue => SecretPanel.GetByLabel("Signing secret", new() { Exact = true });

    public ILocator Copy => SecretPanel.GetByRole(AriaRole.Button, new() { Name = "Copy", Exact = true });

    public ILocator Done => SecretPanel.GetByRole(AriaRole.Button, new() { Name = "Done", Exact = true });

    /// <summary>The card of the endpoint at <paramref name="url"/> (a list item named by its URL).</summary>
    public ILocator Endpoint(string url) => Page.GetByRole(AriaRole.Listitem, new() { Name = url, Exact = true });

    /// <summary>The status badge of an endpoint: <c>Active</c>, <c>Failing</c> or <c>Disabled</c>.</summary>
    public ILocator StatusOf(string url) => Endpoint(url).Locator("[data-webhook-status]");

    /// <summary>An endpoint's button by its visible text (<c>Disable</c>, <c>Enable</c>, <c>Resume</c>, <c>Rotate secret</c>, …).</summary>
    public ILocator Button(string url, string action)
    {
        var name = action switch
        {
            "Rotate secret" => $"Rotate secret of {url}",
            "Replay" => $"Replay to {url}",
            "Delivery log" => $"Delivery log of {url}",
            _ => $"{action} {url}",
        };
        return Endpoint(url).GetByRole(AriaRole.Button, new() { Name = name, Exact = true });
    }

    public ILocator ReplayDialog => Page.GetByRole(AriaRole.Dialog, new() { Name = "Replay events", Exact = true });

    public ILocator ReplayAfter => ReplayDialog.GetByLabel("After feed position", new() { Exact = true });

    public ILocator DeleteDialog => Page.GetByRole(AriaRole.Dialog, new() { Name = "Delete endpoint", Exact = true });

    public ILocator LogHeading => Page.GetByRole(AriaRole.Heading, new() { Name = "Delivery log", Exact = true });

    public ILocator Log => Page.GetByRole(AriaRole.Table, new() { Name = "Delivery attempts", Exact = true });

    public ILocator LogRows => Log.Locator("tbody tr");

    public ILocator OlderAttempts => Page.GetByRole(AriaRole.Button, new() { Name = "Show older attempts", Exact = true });

    /// <summary>Signs in as an admin and opens the page from the header's link, as an admin finds it.</summary>
    public static async Task<WebhooksPage> OpenAsync(Person person, string tenant, string admin)
    {
        await person.SignInAsync(tenant, admin, "admin");
        var pages = person.Page.GetByRole(AriaRole.Banner).GetByRole(AriaRole.Navigation, new() { Name = "Console pages", Exact = true });
        await person.Page.RunAndWaitForResponseAsync(
            () => pages.GetByRole(AriaRole.Link, new() { Name = "Webhooks", Exact = true }).ClickAsync(),
            response => response.Request.Method == "GET" && response.Url.EndsWith("/api/v1/webhooks", StringComparison.Ordinal));
        await Expect(person.Page).ToHaveURLAsync(new Regex(@"/console/webhooks\.html$"));
        await Expect(pages.Locator("[aria-current=page]")).ToHaveTextAsync("Webhooks");
        var page = new WebhooksPage(person.Page);
        await Expect(page.Count).ToHaveTextAsync(new Regex(@"^\d+ of 10 endpoints\.$"));
        return page;
    }

    /// <summary>Creates an endpoint with the form and returns the secret the page shows once.</summary>
    public async Task<string> CreateAsync(string url, string? description = null, params string[] kinds)
    {
        await Url.FillAsync(url);
        foreach (var kind in kinds)
        {
            await Kind(kind).CheckAsync();
        }

        if (description is not null)
        {
            await Description.FillAsync(description);
        }

        await Create.ClickAsync();
        await Expect(SecretValue).ToHaveValueAsync(new Regex("^whsec_"));
        return await SecretValue.InputValueAsync();
    }

    /// <summary>
    /// Clicks Refresh until <paramref name="expected"/> shows: an endpoint's status moves on its own (retries, failing),
    /// and the page shows it when asked.
    /// </summary>
    public async Task RefreshUntilVisibleAsync(ILocator expected, string what)
    {
        await WorkSessions.TestSupport.Eventually.UntilAsync(async () =>
        {
            await Refresh.ClickAsync();
            try
            {
                await expected.First.WaitForAsync(new() { Timeout = 1000 });
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }, shown => shown, ConsoleSite.Patience, what, TimeSpan.FromMilliseconds(300));
    }
}
