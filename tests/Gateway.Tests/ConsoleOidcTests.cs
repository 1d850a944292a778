using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkSessions.Gateway.Hosting;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// The console's OpenID Connect client on the server side: what settings.json tells the sign-in page, the policy that
/// lets the pages reach the identity provider (and only it), the one page that may be framed, and the configuration the
/// Gateway refuses at start. The sign-in itself runs in Browser.Tests against a real provider.
/// </summary>
public sealed class ConsoleOidcTests
{
    private const string Authority = "https://login.example.test/realms/contact-center/";

    [Fact]
    public async Task WithAClientId_SettingsCarryTheClient_AndThePagesMayReachTheProviderOnly()
    {
        await using var gateway = new TestGateway("Production", settings =>
        {
            settings["Auth:Authority"] = Authority;
            settings["Console:Oidc:ClientId"] = "work-sessions-console";
            settings["Console:Oidc:Resource"] = "api://work-sessions";
        });
        var http = gateway.Start();

        var settings = await http.GetFromJsonAsync<JsonObject>("/console/settings.json");
        var oidc = settings!["oidc"]!.AsObject();
        Assert.Equal("https://login.example.test/realms/contact-center", oidc["authority"]!.GetValue<string>());
        Assert.Equal("work-sessions-console", oidc["clientId"]!.GetValue<string>());
        Assert.Equal(ConsoleOidcOptions.DefaultScope, oidc["scope"]!.GetValue<string>());
        Assert.Equal("api://work-sessions", oidc["resource"]!.GetValue<string>());

        var page = await http.GetAsync("/console/sign-in.html");
        var policy = Directives(page);
        Assert.Equal("'self' https://login.example.test", policy["connect-src"]);
        Assert.Equal("'self' https://login.example.test", policy["frame-src"]);
        Assert.Equal("'self'", policy["script-src"]);
        Assert.Equal("'self'", policy["form-action"]);
        Assert.Equal("'none'", policy["frame-ancestors"]);
        Assert.Equal("DENY", Assert.Single(page.Headers.GetValues("X-Frame-Options")));

        // The silent renewal's callback runs in the console's own hidden iframe: framed by the console, by nobody else.
        var callback = await http.GetAsync(ConsoleSetup.SilentCallbackPage);
        Assert.Equal(HttpStatusCode.OK, callback.StatusCode);
        Assert.Equal("'self'", Directives(callback)["frame-ancestors"]);
        Assert.Equal("SAMEORIGIN", Assert.Single(callback.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task WithoutAClientId_ThereIsNoProvider_AndThePolicyStaysSameOrigin()
    {
        await using var gateway = new TestGateway("Production", settings => settings["Auth:Authority"] = Authority);
        var http = gateway.Start();

        var settings = await http.GetFromJsonAsync<JsonObject>("/console/settings.json");
        Assert.Null(settings!["oidc"]);
        var page = await http.GetAsync("/console/sign-in.html");
        Assert.Equal(ConsoleSetup.ContentSecurityPolicy, string.Join(' ', page.Headers.GetValues("Content-Security-Policy")));
    }

    [Theory]
    [InlineData(null, "openid profile", "Console:Oidc:ClientId needs Auth:Authority")]
    [InlineData("ftp://login.example.test/", "openid", "is not an absolute http(s) URL")]
    [InlineData(Authority, "profile offline_access", "must include 'openid'")]
    public async Task AnUnusableClient_RefusesToStart(string? authority, string scope, string message)
    {
        await using var gateway = new TestGateway("Production", settings =>
        {
            if (authority is not null)
            {
                settings["Auth:Authority"] = authority;
            }

            settings["Console:Oidc:ClientId"] = "work-sessions-console";
            settings["Console:Oidc:Scope"] = scope;
        });

        var failure = Assert.IsType<InvalidOperationException>(gateway.StartupFailure());

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:4100", false)]
    [InlineData("https://login.example.test/", true)]
    public async Task MetadataOverPlainHttp_OnlyFromLoopback(string authority, bool requireHttps)
    {
        await using var gateway = new TestGateway("Production", settings => settings["Auth:Authority"] = authority);

        var jwt = gateway.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);

        Assert.Equal(requireHttps, jwt.RequireHttpsMetadata);
    }

    private static Dictionary<string, string> Directives(HttpResponseMessage response) =>
        string.Join(' ', response.Headers.GetValues("Content-Security-Policy"))
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(directive => directive.Split(' ', 2))
            .ToDictionary(parts => parts[0], parts => parts.Length > 1 ? parts[1] : "");
}
