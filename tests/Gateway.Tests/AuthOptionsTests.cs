using WorkSessions.Gateway.Auth;

namespace WorkSessions.Gateway.Tests;

public sealed class AuthOptionsTests
{
    [Fact]
    public void WithASigningKey_TheIssuerDefaultsToWorkSessions() =>
        Assert.Equal("work-sessions", new AuthOptions { SigningKey = new string('k', 32) }.ExpectedIssuer);

    [Fact]
    public void WithAnAuthority_TheIssuerComesFromItsMetadata_UnlessConfigured()
    {
        Assert.Null(new AuthOptions { Authority = "https://login.example.test" }.ExpectedIssuer);
        Assert.Equal("https://issuer.example.test", new AuthOptions { Authority = "https://login.example.test", Issuer = "https://issuer.example.test" }.ExpectedIssuer);
    }
}
