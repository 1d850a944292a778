using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using WorkSessions.Gateway.Auth;
using WorkSessions.TestSupport;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// A Gateway of one test's own, for settings the shared <see cref="GatewayFixture"/> must not have (another environment,
/// client mode, a short keep-alive, broken configuration). Real time throughout. By default it hosts its silo in-process
/// on free loopback ports with a SQLite file in a temporary directory, which disposing removes.
/// </summary>
public sealed class StandaloneGateway : WebApplicationFactory<Program>
{
    private readonly string _environment;
    private readonly Dictionary<string, string?> _settings;
    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-gateway-").FullName;

    /// <param name="environment">The host environment (<c>Testing</c>, <c>Production</c>, <c>Development</c>, …).</param>
    /// <param name="configure">Changes to the default settings; removing a key leaves it to the Gateway's appsettings.</param>
    public StandaloneGateway(string environment = "Testing", Action<IDictionary<string, string?>>? configure = null)
    {
        _environment = environment;
        var ports = LoopbackPorts.Take(2);
        _settings = new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = GatewayFixture.SigningKey,
            ["Auth:Issuer"] = GatewayFixture.Issuer,
            ["Auth:Audience"] = GatewayFixture.Audience,
            ["Orleans:SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["Orleans:ClusterId"] = "standalone-" + Guid.NewGuid().ToString("N")[..8],
            ["Storage:Provider"] = "sqlite",
            ["Storage:ConnectionString"] = $"Data Source={DatabasePath}",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
        };
        configure?.Invoke(_settings);
    }

    /// <summary>The SQLite file of the in-process silo, in this Gateway's temporary directory.</summary>
    public string DatabasePath => Path.Combine(_directory, "work-sessions.db");

    /// <summary>Tokens signed with the default settings' key, on the real clock.</summary>
    public TokenIssuer Tokens { get; } = new(
        new AuthOptions { SigningKey = GatewayFixture.SigningKey, Issuer = GatewayFixture.Issuer, Audience = GatewayFixture.Audience },
        TimeProvider.System);

    public HttpClient Http { get; private set; } = null!;

    /// <summary>Starts the Gateway on Kestrel at a loopback port and returns a client of it.</summary>
    public HttpClient Start()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        // Every API response is checked against the OpenAPI document this Gateway serves. No drain: a disposed event
        // stream closes its connection at once, so the server sees the client leave.
        Http = OpenApiValidatingHandler.CreateClient(new Uri(address));
        return Http;
    }

    /// <summary>A tenant no other test uses, with callers on this Gateway.</summary>
    public TestTenant NewTenant() => new(Http, Tokens, GatewayFixture.NewTenantId());

    /// <summary>Starts the Gateway, which is expected to refuse; returns why.</summary>
    public Exception StartupFailure()
    {
        var failure = Record.Exception(() => Services);
        Assert.NotNull(failure);
        return failure;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            Http?.Dispose();
            await base.DisposeAsync();
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A temp directory left behind is harmless.
            }
        }
    }
}
