using WorkSessions.Gateway.Auth;

namespace WorkSessions.Gateway.Tests;

/// <summary>The <c>token</c> command reads the configuration of the environment the Gateway would run in.</summary>
public sealed class TokenCommandTests
{
    [Theory]
    [InlineData(null, null, "Development")]
    [InlineData(null, "Production", "Production")]
    [InlineData("Staging", "Production", "Staging")]
    [InlineData("", "Production", "Production")]
    public void Environment_IsAspNetCoreThenDotNetThenDevelopment(string? aspNetCore, string? dotNet, string expected)
    {
        var variables = new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = aspNetCore, ["DOTNET_ENVIRONMENT"] = dotNet };

        Assert.Equal(expected, TokenCommand.EnvironmentName(name => variables.GetValueOrDefault(name)));
    }
}
