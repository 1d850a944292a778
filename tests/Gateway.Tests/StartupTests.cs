using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Auth;
using WorkSessions.Hosting;

namespace WorkSessions.Gateway.Tests;

/// <summary>Configuration the Gateway must refuse before it serves anything, and the development default it accepts.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Production_WithoutSigningKeyOrAuthority_RefusesToStart()
    {
        await using var gateway = new TestGateway("Production", settings => settings.Remove("Auth:SigningKey"));

        var failure = Assert.IsType<InvalidOperationException>(gateway.StartupFailure());

        Assert.Contains("Auth:SigningKey or Auth:Authority must be configured", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_WithAShortSigningKey_RefusesToStart()
    {
        await using var gateway = new TestGateway("Production", settings => settings["Auth:SigningKey"] = new string('k', 31));

        var failure = Assert.IsType<InvalidOperationException>(gateway.StartupFailure());

        Assert.Contains("Auth:SigningKey must be at least 32 characters", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashboardSettingThatIsNotABoolean_RefusesToStart()
    {
        await using var gateway = new TestGateway(configure: settings => settings[DashboardSetting.Key] = "sometimes");

        var failure = Assert.IsType<OptionsValidationException>(gateway.StartupFailure());

        Assert.Equal("Dashboard:Enabled must be true or false, not 'sometimes'.", failure.Message);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("cluster")]
    public async Task UnknownOrleansMode_RefusesToStart(string mode)
    {
        await using var gateway = new TestGateway(configure: settings => settings["Orleans:Mode"] = mode);

        var failure = Assert.IsType<InvalidOperationException>(gateway.StartupFailure());

        Assert.Equal($"Orleans:Mode must be 'cohosted' or 'client', not '{mode}'.", failure.Message);
    }

    [Theory]
    [InlineData("00:00:04")]
    [InlineData("00:00:00.500")]
    [InlineData("-00:00:05")]
    [InlineData("01:00:01")]
    public async Task DeadConnectionTimeoutTooShortOrTooLong_RefusesToStart(string timeout)
    {
        await using var gateway = new TestGateway(configure: settings => settings["Gateway:DeadConnectionTimeout"] = timeout);

        var failure = Assert.IsType<OptionsValidationException>(gateway.StartupFailure());

        Assert.Contains("DeadConnectionTimeout", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Development_WithTheDevelopmentKey_Starts()
    {
        // No Auth:SigningKey of the test's own: appsettings.Development.json's key applies.
        await using var gateway = new TestGateway("Development", settings =>
        {
            settings.Remove("Auth:SigningKey");
            settings.Remove("Auth:Issuer");
            settings.Remove("Auth:Audience");
        });
        var http = gateway.Start();
        var options = gateway.Services.GetRequiredService<AuthOptions>();
        Assert.Equal("development-only-signing-key-change-me-0123456789", options.SigningKey);

        await Http.AssertStatusAsync(await http.GetAsync("/health/ready"), HttpStatusCode.OK);
        var token = new TokenIssuer(options, TimeProvider.System).Issue(GatewayFixture.NewTenantId(), "alice", ["agent"], TimeSpan.FromMinutes(5));
        var view = await Http.ReadAsync<AgentView>(await new ApiClient(http, token).GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        Assert.Equal(SessionState.None, view.State);
    }

    [Theory]
    [InlineData("urls", "http://0.0.0.0:5080")]
    [InlineData("urls", "http://127.0.0.1:5080;http://*:5081")]
    [InlineData("urls", "http://192.0.2.10:5080")]
    [InlineData("http_ports", "5080")]
    [InlineData("Kestrel:Endpoints:Public:Url", "http://+:5080")]
    public async Task Development_WithThePublishedKey_OnANonLoopbackAddress_RefusesToStart(string key, string value)
    {
        await using var gateway = new TestGateway("Development", settings =>
        {
            settings.Remove("Auth:SigningKey");
            settings[key] = value;
        });

        var failure = Assert.IsType<InvalidOperationException>(gateway.StartupFailure());

        Assert.Contains("development signing key published in the repository", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://localhost:5080;http://[::1]:5081")]
    public async Task Development_WithThePublishedKey_OnLoopbackAddresses_Starts(string urls)
    {
        await using var gateway = new TestGateway("Development", settings =>
        {
            settings.Remove("Auth:SigningKey");
            settings["urls"] = urls;
        });

        Assert.Equal(AuthOptions.PublishedDevelopmentKey, gateway.Services.GetRequiredService<AuthOptions>().SigningKey);
    }

    [Fact]
    public async Task SigningKeyAndAuthority_TheAuthorityWins()
    {
        await using var gateway = new TestGateway("Production", settings => settings["Auth:Authority"] = "https://127.0.0.1:9/");

        var jwt = gateway.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerOptions>>()
            .Get(Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerDefaults.AuthenticationScheme);

        Assert.Null(jwt.TokenValidationParameters.IssuerSigningKey);
        Assert.Equal("https://127.0.0.1:9/", jwt.Authority);
    }
}
