using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using WorkSessions.TestSupport;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// What one test class shares: a real Gateway process (<see cref="GatewayProcess"/>) and one headless Chromium. Each
/// person in a test gets a browser context of their own (<see cref="NewPersonAsync"/>), and each test a tenant of its
/// own, so the tests of a class never see each other's agents or preferences.
/// </summary>
public class ConsoleSite : IAsyncLifetime
{
    /// <summary>Debian's Chromium (<c>apt-get install -y chromium</c>; test.sh installs it when missing).</summary>
    public const string ChromiumPath = "/usr/lib/chromium/chromium";

    /// <summary>
    /// How long a test waits for what the page should show. Generous: only a broken page takes this long, while a busy
    /// machine can take seconds to deliver an event.
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly string[] ChromiumArguments =
    [
        // The machine has only loopback: no DNS look-ups of outside hosts, nothing fetched in the background.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-domain-reliability",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--metrics-recording-only",
    ];

    /// <summary>The smallest inactivity timeout and grace period (seconds) the console's Gateway accepts in preferences.</summary>
    public const int MinimumSeconds = 2;

    private IPlaywright? _playwright;

    public GatewayProcess Gateway { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>A client of the Gateway's HTTP API, for set-up the test is not about (tokens, preferences).</summary>
    public HttpClient Http { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            // Fail, never skip: a browser suite that silently does not run would pass CI unseen.
            throw new InvalidOperationException($"{ChromiumPath} does not exist. Install Debian's Chromium: apt-get install -y chromium (./test.sh does).");
        }

        // Playwright must never download a browser: it drives the one above.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Assertions.SetDefaultExpectTimeout((float)Patience.TotalMilliseconds);

        // The Gateway's start (a silo, migrations) and the Playwright driver's start overlap.
        var gateway = StartGatewayAsync();
        var playwright = Playwright.CreateAsync();
        try
        {
            Gateway = await gateway;
        }
        finally
        {
            _playwright = await playwright;
        }

        Browser = await _playwright!.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArguments,
            Timeout = (float)TimeSpan.FromSeconds(60).TotalMilliseconds,
        });
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Gateway.Address, Timeout = Patience };
        await WarmUpAsync();
    }

    /// <summary>
    /// The Gateway as <c>dotnet run --project src/Gateway</c> runs it (Development): its silo in-process on free loopback
    /// ports, a SQLite file in a temporary directory that disposing removes, and short minimums for the inactivity
    /// timeout and the grace period so a whole prompt-and-auto-end flow takes seconds. Ready before it is returned.
    /// </summary>
    protected virtual Task<GatewayProcess> StartGatewayAsync() => StartGatewayAsync([]);

    /// <summary>The Gateway described above, with <paramref name="moreSettings"/> on top, on <paramref name="port"/> if given.</summary>
    protected static async Task<GatewayProcess> StartGatewayAsync(IEnumerable<string> moreSettings, int? port = null)
    {
        var ports = LoopbackPorts.Take(2);
        var directory = Directory.CreateTempSubdirectory("work-sessions-browser-").FullName;
        var gateway = await GatewayProcess.StartAsync(
            "Development",
            [
                $"Orleans:SiloPort={ports[0]}",
                $"Orleans:GatewayPort={ports[1]}",
                $"Orleans:ClusterId={TestIds.New("browser")}",
                // Webhooks under the production URL rule, except the tests' receivers on loopback; a failing receiver
                // is retried every 50 ms for 5 s rather than for a day, so the console shows "failing" within seconds.
                "Webhooks:PublicHttpsOnly=true",
                "Webhooks:AllowedHosts:0=127.0.0.1",
                "Webhooks:RetryDelays:0=00:00:00.050",
                "Webhooks:RetryWindow=00:00:05",
                "Storage:Provider=sqlite",
                $"Storage:ConnectionString=Data Source={Path.Combine(directory, "work-sessions.db")}",
                $"WorkSessions:MinimumInactivityTimeoutSeconds={MinimumSeconds}",
                $"WorkSessions:MinimumGracePeriodSeconds={MinimumSeconds}",
                "Logging:LogLevel:Orleans=Error",
                .. moreSettings,
            ],
            directory,
            port: port);
        try
        {
            await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Loads every page once before any test's clock runs: a browser's first pages on a machine pay one-off costs (its
    /// profile, font caches, the Gateway's first static files and code paths) that once took a first sign-in past the
    /// 60 s patience on a freshly installed Chromium.
    /// </summary>
    private async Task WarmUpAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Gateway.Address.ToString() });
        try
        {
            var page = await context.NewPageAsync();
            foreach (var path in new[] { "/console/sign-in.html", "/console/agent.html", "/console/admin.html", "/console/supervisor.html" })
            {
                await page.GotoAsync(path, new() { Timeout = (float)TimeSpan.FromMinutes(3).TotalMilliseconds });
            }
        }
        finally
        {
            await context.DisposeAsync();
        }
    }

    public virtual async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
    }

    /// <summary>A browser context of its own for one person (their own storage, as a separate browser would have).</summary>
    /// <param name="name">Who, for screenshots and failure messages (e.g. <c>agent-alice</c>).</param>
    /// <param name="viewport">The window size; 1366×768 unless given.</param>
    /// <param name="output">Where the person's screenshot paths are printed.</param>
    public async Task<Person> NewPersonAsync(string name, Viewport? viewport = null, ITestOutputHelper? output = null)
    {
        var size = viewport ?? Viewport.Desktop;
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Gateway.Address.ToString(),
            ViewportSize = new ViewportSize { Width = size.Width, Height = size.Height },
            IsMobile = size.IsMobile,
            HasTouch = size.IsMobile,
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout((float)Patience.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)Patience.TotalMilliseconds);
        return await Person.StartAsync(name, size, context, output);
    }

    /// <summary>A development token from the Gateway's <c>POST /api/v1/dev/tokens</c>, as the sign-in page gets one.</summary>
    public async Task<string> TokenAsync(string tenant, string user, string role)
    {
        using var response = await Http.PostAsJsonAsync("api/v1/dev/tokens", new { tenant, user, roles = new[] { role } });
        await EnsureSuccessAsync(response);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("token").GetString() ?? throw new InvalidOperationException("The token endpoint answered without a token.");
    }

    /// <summary>
    /// Replaces a tenant's preferences through the API (as an admin named <c>setup</c>), for tests about other pages;
    /// without <paramref name="notReadyReasons"/> the tenant keeps its reasons.
    /// </summary>
    public async Task SetPreferencesAsync(
        string tenant, bool enabled, bool autoEnd, int inactivityTimeoutSeconds, int gracePeriodSeconds, string admin = "setup", string[]? notReadyReasons = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "api/v1/preferences/work-sessions")
        {
            Content = JsonContent.Create(new
            {
                workSessionsEnabled = enabled,
                autoEndEnabled = autoEnd,
                inactivityTimeoutSeconds,
                gracePeriodSeconds,
                notReadyReasons,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(tenant, admin, "admin"));
        using var response = await Http.SendAsync(request);
        await EnsureSuccessAsync(response);
    }

    /// <summary>
    /// Calls the API as an admin named <c>setup</c> with a JSON body and fails the test on anything but a success: set-up
    /// for tests about other pages (teams, members, preferences with fields the helper above does not take).
    /// </summary>
    public async Task AsAdminAsync(string tenant, HttpMethod method, string path, string body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(tenant, "setup", "admin"));
        using var response = await Http.SendAsync(request);
        await EnsureSuccessAsync(response);
    }

    /// <summary>The agent's view as the API answers it to the agent (<c>GET /api/v1/me/work-session</c>), to check what a page did.</summary>
    public async Task<JsonElement> AgentViewAsync(string tenant, string agent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/me/work-session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(tenant, agent, "agent"));
        using var response = await Http.SendAsync(request);
        await EnsureSuccessAsync(response);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A tenant no other test uses.</summary>
    public static string NewTenant() => TestIds.NewTenantId();

    private async Task EnsureSuccessAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new InvalidOperationException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}\nGateway output:\n{Gateway.Output}");
        }
    }
}

/// <summary>A browser window size; <c>Name</c> goes into file names (<c>desktop</c>, <c>phone</c>).</summary>
public sealed record Viewport(string Name, int Width, int Height, bool IsMobile)
{
    public static readonly Viewport Desktop = new("desktop", 1366, 768, IsMobile: false);

    public static readonly Viewport Phone = new("phone", 390, 844, IsMobile: true);

    public override string ToString() => $"{Name} {Width}x{Height}";
}
