using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// One person at their own browser (a browser context: own storage, own tabs). Watches every tab for what must never
/// happen on the console: script errors (<c>pageerror</c>), console errors, server errors (5xx), requests to any host but
/// the Gateway's, and a token in a URL. <see cref="AssertClean"/> at the end of a test fails on any of them.
/// </summary>
public sealed partial class Person : IAsyncDisposable
{
    private readonly List<string> _problems = [];
    private readonly List<(int Status, string? Path)> _expectedFailures = [];
    private readonly ITestOutputHelper? _output;
    private readonly HashSet<Microsoft.Playwright.IRequest> _inFlight = [];

    private Person(string name, Viewport viewport, IBrowserContext context, ITestOutputHelper? output)
    {
        Name = name;
        Viewport = viewport;
        Context = context;
        _output = output;
        Context.Page += (_, page) => Watch(page);
        Context.Request += (_, request) =>
        {
            CheckRequest(request);
            lock (_inFlight)
            {
                _inFlight.Add(request);
            }
        };
        Context.RequestFinished += (_, request) => Settled(request);
        Context.RequestFailed += (_, request) => Settled(request);
        Context.Response += (_, response) =>
        {
            if (response.Status >= 500)
            {
                Problem($"{response.Request.Method} {response.Url} answered {response.Status}");
            }
        };
    }

    public string Name { get; }

    public Viewport Viewport { get; }

    public IBrowserContext Context { get; }

    /// <summary>The first tab.</summary>
    public IPage Page { get; private set; } = null!;

    internal static async Task<Person> StartAsync(string name, Viewport viewport, IBrowserContext context, ITestOutputHelper? output)
    {
        var person = new Person(name, viewport, context, output);
        person.Page = await context.NewPageAsync();
        return person;
    }

    /// <summary>Another tab of the same browser (shares local storage with the first, as a real second tab does).</summary>
    public Task<IPage> NewTabAsync() => Context.NewPageAsync();

    /// <summary>
    /// Signs in through the Development sign-in page and waits for the page of <paramref name="role"/>
    /// (<c>/console/{role}.html</c>).
    /// </summary>
    public async Task SignInAsync(string tenant, string user, string role)
    {
        await Page.GotoAsync("/console/sign-in.html");
        await Page.GetByLabel("Tenant", new() { Exact = true }).FillAsync(tenant);
        await Page.GetByLabel("User", new() { Exact = true }).FillAsync(user);
        await Page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync(role);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        var rolePage = $"**/console/{role}.html";
        try
        {
            // The page's modules have run by DOMContentLoaded; the window's load event is not waited for.
            await Page.WaitForURLAsync(rolePage, new() { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 30_000 });
        }
        catch (TimeoutException) when (Page.Url.EndsWith($"/console/{role}.html", StringComparison.Ordinal))
        {
            // Twice in many runs the role page's document never finished loading (no DOMContentLoaded, then no load event,
            // in 60 s) while the browser was at its address. The requests still open are logged, so the next one says
            // which; the page is loaded once more (the token is stored) and the test goes on if it loads then.
            var stall = $"{DateTimeOffset.UtcNow:O} {Name}: {role}.html had not loaded after 30 s; requests still open: {string.Join(", ", InFlight())}; reloading once";
            _output?.WriteLine(stall);
            // A passing test's output is not shown, so the stall is also kept beside the screenshots (test.sh: artifacts/).
            await File.AppendAllTextAsync(Path.Combine(Screenshots.Directory, "page-load-stalls.txt"), stall + Environment.NewLine);
            try
            {
                await Page.ReloadAsync(new() { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 30_000 });
            }
            catch (TimeoutException again)
            {
                throw new TimeoutException($"{Name}: {role}.html did not load twice in 30 s; requests still open: {string.Join(", ", InFlight())}.", again);
            }
        }
        catch (TimeoutException timeout)
        {
            // Say where the browser is and what the page showed, so a failure here explains itself.
            string shown;
            try
            {
                shown = await Page.Locator("#error").InnerTextAsync(new() { Timeout = 1000 });
            }
            catch (Exception unreadable) when (unreadable is PlaywrightException or TimeoutException)
            {
                shown = "";
            }

            throw new TimeoutException($"{Name} signed in as {role} but stayed at {Page.Url}; the page said: '{shown}'.", timeout);
        }
    }

    private void Settled(Microsoft.Playwright.IRequest request)
    {
        lock (_inFlight)
        {
            _inFlight.Remove(request);
        }
    }

    private List<string> InFlight()
    {
        lock (_inFlight)
        {
            return _inFlight.Select(request => $"{request.Method} {request.Url}").ToList();
        }
    }

    /// <summary>
    /// A test that provokes an API rejection (a validation problem, a stale version) declares its status here: the browser
    /// logs every non-2xx fetch as a console error ("Failed to load resource: … status of 412"), and only these are expected.
    /// </summary>
    public void ExpectFailedRequests(params int[] statuses)
    {
        lock (_problems)
        {
            _expectedFailures.AddRange(statuses.Select(status => (status, (string?)null)));
        }
    }

    /// <summary>
    /// The agent's session ends elsewhere (the grace period runs out, a supervisor ends it) while a heartbeat carrying
    /// their last interaction may still be due: that one heartbeat may meet <c>409 no_open_session</c>, which no page can
    /// prevent. Nothing else may fail.
    /// </summary>
    public void ExpectHeartbeatAfterTheEnd() => ExpectFailedRequest(409, "/api/v1/me/work-session/activity");

    private void ExpectFailedRequest(int status, string path)
    {
        lock (_problems)
        {
            _expectedFailures.Add((status, path));
        }
    }

    /// <summary>Saves a screenshot of <paramref name="page"/> (the first tab by default) and prints its path.</summary>
    /// <param name="what">What it shows, e.g. <c>agent-dialog</c>; the file is <c>{what}-{viewport}.png</c>.</param>
    /// <param name="page">The tab; the first one when null.</param>
    /// <param name="fullPage">The whole page rather than the viewport.</param>
    public async Task<string> ScreenshotAsync(string what, IPage? page = null, bool fullPage = false)
    {
        var path = Screenshots.PathFor($"{what}-{Viewport.Name}");
        await (page ?? Page).ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage, Animations = ScreenshotAnimations.Disabled });
        _output?.WriteLine($"screenshot: {path}");
        return path;
    }

    /// <summary>Fails when any tab of this person had a script error, a console error, a server error or a leaked token.</summary>
    public void AssertClean()
    {
        lock (_problems)
        {
            Assert.True(_problems.Count == 0, $"{Name}'s browser saw:\n  " + string.Join("\n  ", _problems));
        }
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();

    private void Watch(IPage page)
    {
        page.PageError += (_, error) => Problem($"page error on {page.Url}: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !IsExpectedFailedRequest(message.Text, message.Location))
            {
                Problem($"console error on {page.Url}: {message.Text} ({message.Location})");
            }
        };
    }

    private void CheckRequest(Microsoft.Playwright.IRequest request)
    {
        var url = new Uri(request.Url);
        if (url.Scheme is "http" or "https" && url.Host != "127.0.0.1")
        {
            Problem($"a request left the Gateway: {request.Method} {request.Url}");
        }

        // A JWT is three base64url parts, the first of them {"alg"… → eyJ.
        if (JwtPattern().IsMatch(request.Url))
        {
            Problem($"a token in a URL: {request.Method} {request.Url}");
        }
    }

    private bool IsExpectedFailedRequest(string text, string location)
    {
        var match = FailedResourcePattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var status = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        // The location is the failed resource's URL (with ":line:column" appended).
        var path = Uri.TryCreate(LineAndColumn().Replace(location, ""), UriKind.Absolute, out var url) ? url.AbsolutePath : location;
        lock (_problems)
        {
            return _expectedFailures.Any(expected => expected.Status == status && (expected.Path is null || expected.Path == path));
        }
    }

    private void Problem(string problem)
    {
        lock (_problems)
        {
            _problems.Add(problem);
        }
    }

    [GeneratedRegex(@"Failed to load resource: the server responded with a status of (\d{3})")]
    private static partial Regex FailedResourcePattern();

    [GeneratedRegex(@":\d+:\d+$")]
    private static partial Regex LineAndColumn();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.")]
    private static partial Regex JwtPattern();
}
