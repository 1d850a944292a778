using System.Net;
using Microsoft.Extensions.DependencyInjection;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Auth;

namespace WorkSessions.Gateway.Tests;

/// <summary>Configuration the Gateway must refuse before it serves anything, and the development default it accepts.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Production_WithoutSigningKeyOrAuthority_RefusesToStart()
    {
        await using var gateway = new StandaloneGateway("Production", settings => settings.Remove("Auth:SigningKey"));

        var failure = Assert.IsType<InvalidOperationException>(gateway.StartupFailure());

        Assert.Contains("Auth:SigningKey or Auth:Authority must be configured", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_WithAShortSigningKey_RefusesToStart()
    {
        await using var gateway = new StandaloneGateway("Production", settings => settings["Auth:SigningKey"] = new string('k', 31));

        var failure = Assert.IsType<InvalidOperationException>(gateway.StartupFailure());

        Assert.Contains("Auth:SigningKey must be at least 32 characters", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("cluster")]
    public async Task UnknownOrleansMode_RefusesToStart(string mode)
    {
        await using var gateway = new StandaloneGateway(configure: settings => settings["Orleans:Mode"] = mode);

        var failure = Assert.IsType<InvalidOperationException>(gateway.StartupFailure());

        Assert.Equal($"Orleans:Mode must be 'cohosted' or 'client', not '{mode}'.", failure.Message);
    }

    [Fact]
    public async Task Development_WithTheDevelopmentKey_Starts()
    {
        // No Auth:SigningKey of the test's own: appsettings.Development.json's key applies.
        await using var gateway = new StandaloneGateway("Development", settings =>
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
}
