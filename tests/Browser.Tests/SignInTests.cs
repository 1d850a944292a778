using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WorkSessions.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>The Development sign-in page, the console's index and sign-out.</summary>
public sealed class SignInTests(ConsoleSite site, ITestOutputHelper output) : IClassFixture<ConsoleSite>
{
    [Theory]
    [InlineData("agent")]
    [InlineData("supervisor")]
    [InlineData("admin")]
    public async Task SignIn_OpensTheRolesPage_AndSignOutForgetsTheToken(string role)
    {
        var tenant = ConsoleSite.NewTenant();
        await using var person = await site.NewPersonAsync(role, output: output);
        var page = person.Page;

        // The root sends a stranger through the console's index to the sign-in page.
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex(@"/console/sign-in\.html$"));

        await person.SignInAsync(tenant, "pat", role);
        var header = page.GetByRole(AriaRole.Banner);
        await Expect(header).ToContainTextAsync("pat");
        await Expect(header).ToContainTextAsync(tenant);

        // Signed in, the index sends them to their own page.
        await page.GotoAsync("/console/");
        await Expect(page).ToHaveURLAsync(new Regex($@"/console/{role}\.html$"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await Eventually.UntilAsync(
            () => page.EvaluateAsync<bool>("() => sessionStorage.getItem('worksessions.token') === null && localStorage.getItem('worksessions.token') === null"),
            forgotten => forgotten, ConsoleSite.Patience, "the token to leave sessionStorage and localStorage");
        await page.GotoAsync("/console/");
        await Expect(page).ToHaveURLAsync(new Regex(@"/console/sign-in\.html$"));

        person.AssertClean();
    }

    /// <summary>The header of every signed-in page links the pages the role may open and marks the one shown.</summary>
    [Theory]
    [InlineData("agent", "Contact Center", "Contact Center")]
    [InlineData("supervisor", "Supervisor", "Supervisor")]
    [InlineData("admin", "Supervisor|Preferences|Teams|Webhooks", "Preferences")]
    public async Task TheHeader_LinksThePagesTheRoleMayOpen_AndMarksTheOneShown(string role, string links, string current)
    {
        await using var person = await site.NewPersonAsync(role, output: output);
        await person.SignInAsync(ConsoleSite.NewTenant(), "pat", role);

        var pages = person.Page.GetByRole(AriaRole.Banner).GetByRole(AriaRole.Navigation, new() { Name = "Console pages", Exact = true });
        await Expect(pages.GetByRole(AriaRole.Link)).ToHaveTextAsync(links.Split('|'));
        await Expect(pages.Locator("[aria-current=page]")).ToHaveTextAsync(current);
        person.AssertClean();
    }

    [Fact]
    public async Task AnAdmin_MayOpenTheSupervisorPage()
    {
        await using var admin = await site.NewPersonAsync("admin", output: output);
        await admin.SignInAsync(ConsoleSite.NewTenant(), "ann", "admin");

        await admin.Page.GotoAsync("/console/supervisor.html");

        await Expect(admin.Page).ToHaveURLAsync(new Regex(@"/console/supervisor\.html$"));
        await Expect(admin.Page.GetByRole(AriaRole.Table, new() { Name = "Agents", Exact = true })).ToBeVisibleAsync();
        admin.AssertClean();
    }

    [Fact]
    public async Task ASecondTab_IsSignedInToo()
    {
        await using var agent = await site.NewPersonAsync("agent", output: output);
        await agent.SignInAsync(ConsoleSite.NewTenant(), "alice", "agent");

        var second = await agent.NewTabAsync();
        await second.GotoAsync("/console/agent.html");

        await Expect(second).ToHaveURLAsync(new Regex(@"/console/agent\.html$"));
        await Expect(second.GetByRole(AriaRole.Banner)).ToContainTextAsync("alice");
        agent.AssertClean();
    }
}
