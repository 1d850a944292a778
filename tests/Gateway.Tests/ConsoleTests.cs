using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using WorkSessions.Gateway.Hosting;

namespace WorkSessions.Gateway.Tests;

/// <summary>The web console's server side: its files, their headers, the redirects (on the shared Testing Gateway).</summary>
[Collection(GatewayCollection.Name)]
public sealed partial class ConsoleTests(GatewayFixture fixture)
{
    private static readonly string[] Pages = ["index.html", "sign-in.html", "agent.html", "admin.html", "supervisor.html", "webhooks.html", "teams.html", "silent-callback.html"];

    [Theory]
    [InlineData("/")]
    [InlineData("/console")]
    public async Task Root_RedirectsToTheConsole(string path)
    {
        var response = await fixture.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console/", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/console/", "text/html")]
    [InlineData("/console/agent.html", "text/html")]
    [InlineData("/console/api.js", "text/javascript")]
    [InlineData("/console/console.css", "text/css")]
    [InlineData("/console/favicon.svg", "image/svg+xml")]
    public async Task Files_AreServedWithTheirTypeAndAStrictPolicy(string path, string contentType)
    {
        var response = await fixture.Http.GetAsync(path);

        await Http.AssertStatusAsync(response, HttpStatusCode.OK);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(' ', response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task MissingFile_IsA404Problem()
    {
        await Http.AssertProblemAsync(await fixture.Http.GetAsync("/console/nothing-here.js"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task OutsideDevelopment_ThereAreNoDevelopmentTokens()
    {
        var settings = await fixture.Http.GetFromJsonAsync<JsonObject>("/console/settings.json");
        var response = await fixture.Http.PostAsJsonAsync("/api/v1/dev/tokens", new { tenant = "acme", user = "alice", roles = new[] { "admin" } });

        Assert.False(settings!["developmentSignIn"]!.GetValue<bool>());
        await Http.AssertProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    /// <summary>The policy forbids inline script and style: every page loads its code and look from files that exist.</summary>
    [Theory]
    [MemberData(nameof(PageNames))]
    public async Task Pages_HaveNoInlineScriptOrStyle_AndReferenceOnlyTheirOwnFiles(string page)
    {
        var html = await fixture.Http.GetStringAsync("/console/" + page);

        Assert.DoesNotMatch(InlineScript(), html);
        Assert.DoesNotMatch(StyleAttributeOrElement(), html);
        Assert.DoesNotMatch(EventHandlerAttribute(), html);
        var references = Reference().Matches(html).Select(match => match.Groups["url"].Value).ToList();
        Assert.Contains(references, url => url.EndsWith(".js", StringComparison.Ordinal));
        foreach (var url in references)
        {
            Assert.StartsWith("/console/", url);
            await Http.AssertStatusAsync(await fixture.Http.GetAsync(url), HttpStatusCode.OK);
        }
    }

    /// <summary>Every module a module imports is there, so no page fails on a missing import.</summary>
    [Fact]
    public async Task Modules_ImportOnlyModulesThatExist()
    {
        var modules = Directory.GetFiles(ConsoleDirectory(), "*.js").Select(Path.GetFileName).ToList();

        Assert.NotEmpty(modules);
        foreach (var module in modules)
        {
            var source = await fixture.Http.GetStringAsync("/console/" + module);
            foreach (Match import in Import().Matches(source))
            {
                Assert.Contains(import.Groups["file"].Value, modules);
            }
        }
    }

    public static TheoryData<string> PageNames() => new(Pages);

    private static string ConsoleDirectory() => Path.Combine(AppContext.BaseDirectory, "wwwroot", "console");

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<style\b|\sstyle\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex StyleAttributeOrElement();

    [GeneratedRegex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandlerAttribute();

    [GeneratedRegex(@"<(?:script|link)\b[^>]*\b(?:src|href)=""(?<url>[^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex Reference();

    [GeneratedRegex(@"from\s+'\./(?<file>[a-z-]+\.js)'")]
    private static partial Regex Import();
}

/// <summary><c>POST /api/v1/dev/tokens</c> on a Development Gateway of its own.</summary>
public sealed class DevTokensTests : IAsyncLifetime
{
    private readonly TestGateway _gateway = new("Development");
    private HttpClient _http = null!;

    public Task InitializeAsync()
    {
        _http = _gateway.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Development_IssuesATokenTheApiAccepts()
    {
        var tenant = GatewayFixture.NewTenantId();
        var response = await _http.PostAsJsonAsync("/api/v1/dev/tokens", new { tenant, user = "alice", roles = new[] { "agent" } });

        var body = await Http.ReadAsync<JsonObject>(response, HttpStatusCode.OK);
        var expiresAt = body["expiresAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromHours(7), TimeSpan.FromHours(8.1));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me/work-session");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", body["token"]!.GetValue<string>());
        var view = await Http.ReadAsync<JsonObject>(await _http.SendAsync(request), HttpStatusCode.OK);
        Assert.Equal("alice", view["agentId"]!.GetValue<string>());
        var settings = await _http.GetFromJsonAsync<JsonObject>("/console/settings.json");
        Assert.True(settings!["developmentSignIn"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Development_TokenCarriesOnlyItsRoles()
    {
        var tenant = GatewayFixture.NewTenantId();
        var body = await Http.ReadAsync<JsonObject>(
            await _http.PostAsJsonAsync("/api/v1/dev/tokens", new { tenant, user = "sam", roles = new[] { "supervisor" } }), HttpStatusCode.OK);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/preferences/work-sessions");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", body["token"]!.GetValue<string>());
        await Http.AssertProblemAsync(await _http.SendAsync(request), HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData("""{"tenant":"ACME","user":"alice","roles":["agent"]}""", "invalid_id")]
    [InlineData("""{"user":"alice","roles":["agent"]}""", "invalid_id")]
    [InlineData("""{"tenant":"acme","user":"a b","roles":["agent"]}""", "invalid_id")]
    [InlineData("""{"tenant":"acme","user":"alice","roles":[]}""", "invalid_argument")]
    [InlineData("""{"tenant":"acme","user":"alice"}""", "invalid_argument")]
    [InlineData("""{"tenant":"acme","user":"alice","roles":["root"]}""", "invalid_argument")]
    [InlineData("""{"tenant":"acme","user":"alice","roles":"agent"}""", "invalid_request")]
    [InlineData("""not json""", "invalid_request")]
    public async Task Development_BadInput_IsAProblem(string json, string code)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");

        await Http.AssertProblemAsync(await _http.PostAsync("/api/v1/dev/tokens", content), HttpStatusCode.BadRequest, code);
    }
}
