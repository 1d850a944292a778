using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WorkSessions.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// Console sign-in with a real OpenID Provider (tools/oidc-provider): the authorization code flow with PKCE, renewal
/// across a token expiry with the agent's session open, sign-out at the provider, and every refusal shown as a page that
/// leaves no token behind. The Person watching each browser fails a test on any token in a URL.
/// </summary>
public sealed class OidcSignInTests(OidcConsoleSite site, ITestOutputHelper output) : IClassFixture<OidcConsoleSite>
{
    private const string TokenKey = "worksessions.token";

    [Theory]
    [InlineData("alice", "agent")]
    [InlineData("sam", "supervisor")]
    [InlineData("ada", "admin")]
    public async Task EachRole_SignsInWithTheProvider_AndReachesItsPage(string user, string role)
    {
        await using var person = await site.NewPersonAsync($"oidc-{role}", output: output);
        var page = person.Page;
        await page.GotoAsync("/console/sign-in.html");
        await Expect(SignInButton(page)).ToBeFocusedAsync();
        // The pasted-token form stays as the fallback.
        await Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "Bearer token", Exact = true })).ToBeVisibleAsync();
        if (role == "agent")
        {
            await Accessibility.AssertAccessibleAsync(page, "sign-in with an identity provider");
            await PageChecks.AssertTidyAsync(page, "sign-in with an identity provider");
        }

        await SignInButton(page).ClickAsync();
        await Expect(page.GetByLabel("Username", new() { Exact = true })).ToBeVisibleAsync();
        // While the provider asks who it is, the pending request (with its PKCE verifier) is in the console tab's
        // sessionStorage; a second tab sees the browser's localStorage, which holds none of it.
        var probe = await person.NewTabAsync();
        await probe.GotoAsync("/console/sign-in.html");
        Assert.Empty(await probe.EvaluateAsync<string[]>("() => Object.keys(localStorage).filter(key => key.startsWith('oidc.') || key.startsWith('worksessions.'))"));
        await probe.CloseAsync();
        await SignInAtProviderAsync(page, user);

        await Expect(page).ToHaveURLAsync(new Regex($@"/console/{role}\.html$"));
        await Expect(page.GetByRole(AriaRole.Banner)).ToContainTextAsync($"{user} · {site.Tenant}");
        if (role == "agent")
        {
            var agent = new AgentPage(page);
            await agent.StartAsync();
        }

        await AssertTokenOnlyInSessionStorageAsync(page);
        person.AssertClean();
    }

    [Fact]
    public async Task AnOpenSession_OutlivesItsAccessToken_TheTokenIsRenewed_HeartbeatsAndEventsCarryOn()
    {
        await using var person = await site.NewPersonAsync("oidc-renewal", output: output);
        var page = person.Page;
        var responses = new List<(DateTimeOffset At, string Method, string Path, int Status)>();
        person.Context.Response += (_, response) =>
        {
            lock (responses)
            {
                responses.Add((DateTimeOffset.UtcNow, response.Request.Method, new Uri(response.Url).AbsolutePath, response.Status));
            }
        };
        await SignInAtProviderAsync(page, "alex");
        await Expect(page).ToHaveURLAsync(new Regex(@"/console/agent\.html$"));
        await Expect(page.GetByRole(AriaRole.Banner)).ToContainTextAsync($"alex · {site.Tenant}");
        var agent = new AgentPage(page);
        try
        {
            await agent.StartAsync();
        }
        catch (PlaywrightException unstarted)
        {
            throw new InvalidOperationException($"The agent page at {page.Url} showed: {await page.Locator("main").InnerTextAsync()}", unstarted);
        }

        var first = await StoredTokenAsync(page);
        var firstExpiry = ExpiryOf(first!);

        // The agent keeps working (the pointer moves) until the first token has expired and the page has had time to show
        // what that did: a heartbeat and a reconnected event stream after the expiry, with a token renewed before it.
        var position = 0;
        await Eventually.UntilAsync(
            async () =>
            {
                position = (position + 37) % 300;
                await page.Mouse.MoveAsync(100 + position, 200 + (position % 50));
                List<(DateTimeOffset At, string Method, string Path, int Status)> seen;
                lock (responses)
                {
                    seen = [.. responses];
                }

                var afterExpiry = seen.Where(response => response.At > firstExpiry.AddSeconds(1)).ToList();
                return (
                    Heartbeat: afterExpiry.Any(r => r is { Method: "POST", Path: "/api/v1/me/work-session/activity", Status: >= 200 and < 300 }),
                    Stream: afterExpiry.Any(r => r is { Method: "GET", Path: "/api/v1/me/events", Status: 200 }),
                    Renewed: await StoredTokenAsync(page) is { } current && current != first);
            },
            state => state is { Heartbeat: true, Stream: true, Renewed: true },
            ConsoleSite.Patience + OidcConsoleSite.AccessTokenLifetime,
            "a heartbeat and a reconnected event stream after the first token's expiry, with a renewed token",
            poll: TimeSpan.FromSeconds(1));

        var current = await StoredTokenAsync(page);
        Assert.NotNull(current);
        Assert.NotEqual(first, current);
        Assert.True(ExpiryOf(current!) > DateTimeOffset.UtcNow, "the stored token is current");
        lock (responses)
        {
            Assert.DoesNotContain(responses, response => response.Status == 401);
            // Renewed at the token endpoint (the refresh token grant) after the code exchange.
            Assert.True(responses.Count(response => response is { Method: "POST", Path: "/token", Status: 200 }) >= 2, "the token endpoint renewed the token");
        }

        await Expect(agent.Status).ToHaveTextAsync("Ready");
        await Expect(page).ToHaveURLAsync(new Regex(@"/console/agent\.html$"));
        await AssertTokenOnlyInSessionStorageAsync(page);
        person.AssertClean();
    }

    /// <summary>
    /// A provider that gives no refresh token: the console renews with an authorization without a prompt in a hidden
    /// iframe, which the provider answers from its session, back to the console's silent-callback page.
    /// </summary>
    [Fact]
    public async Task WithoutARefreshToken_TheTokenIsRenewedByAnAuthorizationWithoutAPrompt()
    {
        await using var person = await site.NewPersonAsync("oidc-silent-renewal", output: output);
        var page = person.Page;
        var responses = new List<(string Method, string Path, string Query, int Status)>();
        person.Context.Response += (_, response) =>
        {
            var url = new Uri(response.Url);
            lock (responses)
            {
                responses.Add((response.Request.Method, url.AbsolutePath, url.Query, response.Status));
            }
        };
        // The refresh token is taken out of every answer of the token endpoint, as from a provider that issues none.
        await person.Context.RouteAsync(site.Provider.Issuer + "/token", async route =>
        {
            var answer = await route.FetchAsync();
            var body = System.Text.Json.Nodes.JsonNode.Parse(await answer.TextAsync())!.AsObject();
            body.Remove("refresh_token");
            await route.FulfillAsync(new() { Response = answer, Body = body.ToJsonString() });
        });
        await SignInAtProviderAsync(page, "sam");
        await Expect(page).ToHaveURLAsync(new Regex(@"/console/supervisor\.html$"));
        await Expect(page.GetByRole(AriaRole.Banner)).ToContainTextAsync($"sam · {site.Tenant}");
        var first = await StoredTokenAsync(page);

        await Eventually.UntilAsync(
            async () => await StoredTokenAsync(page) is { } current && current != first,
            renewed => renewed, ConsoleSite.Patience + OidcConsoleSite.AccessTokenLifetime, "the token to be renewed", poll: TimeSpan.FromSeconds(1));

        lock (responses)
        {
            Assert.Contains(responses, response => response is { Path: "/auth" } && response.Query.Contains("prompt=none", StringComparison.Ordinal));
            Assert.Contains(responses, response => response is { Path: "/console/silent-callback.html", Status: 200 });
            Assert.DoesNotContain(responses, response => response.Status == 401);
        }

        await Expect(page).ToHaveURLAsync(new Regex(@"/console/supervisor\.html$"));
        await AssertTokenOnlyInSessionStorageAsync(page);
        person.AssertClean();
    }

    /// <summary>When the provider stops renewing, the tab signs out at the token's expiry and keeps nothing of the sign-in.</summary>
    [Fact]
    public async Task WhenRenewalKeepsFailing_TheTabSignsOutAtTheExpiry_AndKeepsNoToken()
    {
        await using var person = await site.NewPersonAsync("oidc-renewal-refused", output: output);
        var page = person.Page;
        person.ExpectFailedRequests(400, 401);
        await person.Context.RouteAsync(site.Provider.Issuer + "/token", async route =>
        {
            if (route.Request.PostData?.Contains("grant_type=refresh_token", StringComparison.Ordinal) != true)
            {
                await route.ContinueAsync();
                return;
            }

            await route.FulfillAsync(new()
            {
                Status = 400,
                ContentType = "application/json",
                Headers = new Dictionary<string, string> { ["Access-Control-Allow-Origin"] = site.Gateway.Address.GetLeftPart(UriPartial.Authority) },
                Body = """{"error":"invalid_grant","error_description":"grant request is invalid"}""",
            });
        });
        await SignInAtProviderAsync(page, "ada");
        await Expect(page).ToHaveURLAsync(new Regex(@"/console/admin\.html$"));

        await Expect(page).ToHaveURLAsync(new Regex(@"/console/sign-in\.html\?expired=1$"),
            new() { Timeout = (float)(ConsoleSite.Patience + OidcConsoleSite.AccessTokenLifetime).TotalMilliseconds });
        await Expect(page.GetByText("Your sign-in expired. Sign in again.")).ToBeVisibleAsync();
        Assert.Empty(await TokenLikeEntriesAsync(page, "sessionStorage"));
        Assert.Empty(await TokenLikeEntriesAsync(page, "localStorage"));
        person.AssertClean();
    }

    [Fact]
    public async Task SignOut_EndsTheProvidersSession_SoTheNextSignInAsksForALogin()
    {
        await using var person = await site.NewPersonAsync("oidc-sign-out", output: output);
        var page = person.Page;
        await SignInAtProviderAsync(page, "sam");
        await Expect(page).ToHaveURLAsync(new Regex(@"/console/supervisor\.html$"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, sign me out", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex(@"/console/sign-in\.html$"));
        await Expect(SignInButton(page)).ToBeVisibleAsync();
        Assert.Empty(await TokenLikeEntriesAsync(page, "sessionStorage"));
        Assert.Empty(await TokenLikeEntriesAsync(page, "localStorage"));

        // The provider forgot the session: signing in again asks who it is.
        await SignInButton(page).ClickAsync();
        await Expect(page.GetByLabel("Username", new() { Exact = true })).ToBeVisibleAsync();
        person.AssertClean();
    }

    [Fact]
    public async Task AUserWithoutARole_SeesAClearPage_AndMaySignOut()
    {
        await using var person = await site.NewPersonAsync("oidc-no-role", output: output);
        // The console asks the Gateway who nora is (GET /me/identity): 403 no_role, which the browser logs.
        person.ExpectFailedRequests(403);
        var page = person.Page;
        await SignInAtProviderAsync(page, "nora");

        await Expect(page).ToHaveURLAsync(new Regex(@"/console/sign-in\.html$"));
        var refused = page.GetByRole(AriaRole.Region, new() { Name = "No access to Work Sessions", Exact = true });
        await Expect(refused).ToContainTextAsync("no Work Sessions role");
        await Accessibility.AssertAccessibleAsync(page, "sign-in: no role");
        await PageChecks.AssertTidyAsync(page, "sign-in: no role");
        Assert.Null(await StoredTokenAsync(page));

        await refused.GetByRole(AriaRole.Button, new() { Name = "Sign out of the identity provider", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, sign me out", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/console/sign-in\.html$"));
        await Expect(SignInButton(page)).ToBeVisibleAsync();
        person.AssertClean();
    }

    [Fact]
    public async Task TheProviderRefusing_ShowsAClearPage_WithNoToken()
    {
        await using var person = await site.NewPersonAsync("oidc-cancel", output: output);
        var page = person.Page;
        await page.GotoAsync("/console/sign-in.html");
        await SignInButton(page).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex(@"/console/sign-in\.html$"));
        var refused = page.GetByRole(AriaRole.Region, new() { Name = "Sign-in refused", Exact = true });
        await Expect(refused).ToContainTextAsync("did not let you sign in");
        await Accessibility.AssertAccessibleAsync(page, "sign-in: refused by the provider");
        Assert.Empty(await TokenLikeEntriesAsync(page, "sessionStorage"));

        // "Sign in again" goes back to the provider, which still has no session.
        await refused.GetByRole(AriaRole.Button, new() { Name = "Sign in again", Exact = true }).ClickAsync();
        await Expect(page.GetByLabel("Username", new() { Exact = true })).ToBeVisibleAsync();
        person.AssertClean();
    }

    [Fact]
    public async Task ACodeExchangeWithoutThePkceVerifier_IsRefusedByTheProvider_AndLeavesNoToken()
    {
        await using var person = await site.NewPersonAsync("oidc-pkce", output: output);
        var page = person.Page;
        person.ExpectFailedRequests(400);
        // The verifier is taken out of the exchange on its way to the provider, as if the client had lost it.
        await person.Context.RouteAsync(site.Provider.Issuer + "/token", async route =>
        {
            var form = System.Web.HttpUtility.ParseQueryString(route.Request.PostData ?? "");
            form.Remove("code_verifier");
            await route.ContinueAsync(new() { PostData = System.Text.Encoding.UTF8.GetBytes(form.ToString()!) });
        });

        await SignInAtProviderAsync(page, "alice");

        await Expect(page).ToHaveURLAsync(new Regex(@"/console/sign-in\.html$"));
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Sign-in refused", Exact = true })).ToContainTextAsync("did not accept the sign-in answer");
        Assert.Empty(await TokenLikeEntriesAsync(page, "sessionStorage"));
        Assert.Empty(await TokenLikeEntriesAsync(page, "localStorage"));
        person.AssertClean();
    }

    [Fact]
    public async Task AReplayedCode_IsRefusedByTheProvider_AndLeavesNoToken()
    {
        await using var person = await site.NewPersonAsync("oidc-replay", output: output);
        var page = person.Page;
        person.ExpectFailedRequests(400);
        // Keeps, on the way back from the provider, the answer (code and state) and this tab's pending request (with its
        // PKCE verifier) before the console spends them: what an attacker replaying the exchange exactly would hold.
        await person.Context.AddInitScriptAsync("""
            if (location.pathname === '/console/sign-in.html' && new URLSearchParams(location.search).has('code')
                && !sessionStorage.getItem('test.callback')) {
              sessionStorage.setItem('test.callback', location.href);
              sessionStorage.setItem('test.pending', JSON.stringify(Object.entries(sessionStorage).filter(([key]) => key.startsWith('oidc.'))));
            }
            """);
        await SignInAtProviderAsync(page, "alice");
        await Expect(page).ToHaveURLAsync(new Regex(@"/console/agent\.html$"));
        Assert.NotNull(await StoredTokenAsync(page));

        // The same code, state and verifier once more.
        var callback = await page.EvaluateAsync<string>("""
            () => {
              for (const [key, value] of JSON.parse(sessionStorage.getItem('test.pending'))) sessionStorage.setItem(key, value);
              return sessionStorage.getItem('test.callback');
            }
            """);
        await page.GotoAsync(callback);

        await Expect(page).ToHaveURLAsync(new Regex(@"/console/sign-in\.html$"));
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Sign-in refused", Exact = true })).ToContainTextAsync("used already");
        Assert.Empty(await TokenLikeEntriesAsync(page, "sessionStorage"));
        Assert.Empty(await TokenLikeEntriesAsync(page, "localStorage"));
        person.AssertClean();
    }

    [Fact]
    public async Task TheGateway_RefusesATokenForAnotherAudience_OrFromAnotherIssuer()
    {
        await using var otherIssuer = await site.StartOtherProviderAsync();
        var rightToken = await site.MachineTokenAsync(site.Provider, OidcProviderProcess.Audience);
        var otherAudience = await site.MachineTokenAsync(site.Provider, OidcProviderProcess.OtherAudience);
        var otherIssuerToken = await site.MachineTokenAsync(otherIssuer, OidcProviderProcess.Audience);

        Assert.Equal(HttpStatusCode.OK, await PreferencesStatusAsync(rightToken));
        Assert.Equal(HttpStatusCode.Unauthorized, await PreferencesStatusAsync(otherAudience));
        Assert.Equal(HttpStatusCode.Unauthorized, await PreferencesStatusAsync(otherIssuerToken));
        // The other provider signs with the same key: only the issuer tells its token apart.
        Assert.Equal(HeaderOf(rightToken).GetProperty("kid").GetString(), HeaderOf(otherIssuerToken).GetProperty("kid").GetString());
    }

    private async Task<HttpStatusCode> PreferencesStatusAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/preferences/work-sessions");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await site.Http.SendAsync(request);
        return response.StatusCode;
    }

    private static ILocator SignInButton(IPage page) =>
        page.GetByRole(AriaRole.Button, new() { Name = "Sign in with your identity provider", Exact = true });

    /// <summary>From the console's sign-in page (opened if needed) through the provider's login form.</summary>
    private static async Task SignInAtProviderAsync(IPage page, string user)
    {
        if (!page.Url.Contains("/interaction/", StringComparison.Ordinal))
        {
            if (!page.Url.EndsWith("/console/sign-in.html", StringComparison.Ordinal))
            {
                await page.GotoAsync("/console/sign-in.html");
            }

            await SignInButton(page).ClickAsync();
        }

        await page.GetByLabel("Username", new() { Exact = true }).FillAsync(user);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(OidcProviderProcess.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
    }

    private static Task<string?> StoredTokenAsync(IPage page) =>
        page.EvaluateAsync<string?>("key => sessionStorage.getItem(key)", TokenKey);

    /// <summary>The keys of a storage whose values hold a JWT (the console's token, or the library's stored user).</summary>
    private static Task<string[]> TokenLikeEntriesAsync(IPage page, string storage) =>
        page.EvaluateAsync<string[]>(
            "storage => Object.entries(window[storage]).filter(([key, value]) => !key.startsWith('test.') && /eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\./.test(value)).map(([key]) => key)",
            storage);

    private static async Task AssertTokenOnlyInSessionStorageAsync(IPage page)
    {
        Assert.NotNull(await StoredTokenAsync(page));
        Assert.Empty(await TokenLikeEntriesAsync(page, "localStorage"));
    }

    private static DateTimeOffset ExpiryOf(string token) =>
        DateTimeOffset.FromUnixTimeSeconds(PartOf(token, 1).GetProperty("exp").GetInt64());

    private static JsonElement HeaderOf(string token) => PartOf(token, 0);

    private static JsonElement PartOf(string token, int index)
    {
        var part = token.Split('.')[index].Replace('-', '+').Replace('_', '/');
        part = part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Convert.FromBase64String(part)).RootElement.Clone();
    }
}
