using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Reminders;
using Orleans.TestingHost;
using WorkSessions.Gateway.Auth;
using WorkSessions.TestSupport;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// The Gateway in this process (<see cref="WebApplicationFactory{TEntryPoint}"/>): the one way the Gateway tests host it,
/// whether shared by a collection (<see cref="GatewayFixture"/>, on a fake clock) or of one test's own for settings the
/// shared one must not have (another environment, client mode, a short keep-alive, broken configuration; real time).
/// By default it hosts its silo in-process on free loopback ports with a SQLite file in a temporary directory, which
/// disposing removes.
/// </summary>
public sealed class TestGateway : WebApplicationFactory<Program>
{
    private readonly string _environment;
    private readonly Dictionary<string, string?> _settings;
    private readonly FakeTimeProvider? _time;
    private readonly Action<IServiceCollection>? _configureServices;
    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-gateway-").FullName;

    /// <param name="environment">The host environment (<c>Testing</c>, <c>Production</c>, <c>Development</c>, …).</param>
    /// <param name="configure">Changes to the default settings; removing a key leaves it to the Gateway's appsettings.</param>
    /// <param name="time">
    /// A fake clock for grain timers, injected clocks and reminders (the silo is cohosted, so it is the silo's clock too);
    /// membership, messaging, JWT lifetimes and the rate limiter keep real time. Real time throughout when null.
    /// </param>
    /// <param name="configureServices">Changes to the Gateway's services beyond these.</param>
    public TestGateway(
        string environment = "Testing",
        Action<IDictionary<string, string?>>? configure = null,
        FakeTimeProvider? time = null,
        Action<IServiceCollection>? configureServices = null)
    {
        _environment = environment;
        _time = time;
        _configureServices = configureServices;
        var ports = LoopbackPorts.Take(2);
        (SiloPort, GatewayPort) = (ports[0], ports[1]);
        _settings = new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = GatewayFixture.SigningKey,
            ["Auth:Issuer"] = GatewayFixture.Issuer,
            ["Auth:Audience"] = GatewayFixture.Audience,
            ["Orleans:SiloPort"] = SiloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans:ClusterId"] = TestIds.New("gateway"),
            ["Storage:Provider"] = "sqlite",
            ["Storage:ConnectionString"] = $"Data Source={DatabasePath}",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
        };
        configure?.Invoke(_settings);
    }

    /// <summary>The port of the in-process silo (unless the settings were changed).</summary>
    public int SiloPort { get; }

    /// <summary>The Orleans gateway port of the in-process silo (unless the settings were changed).</summary>
    public int GatewayPort { get; }

    /// <summary>The SQLite file of the in-process silo, in this Gateway's temporary directory.</summary>
    public string DatabasePath => Path.Combine(_directory, "work-sessions.db");

    /// <summary>Tokens signed with the default settings' key, on the real clock.</summary>
    public TokenIssuer Tokens { get; } = new(
        new AuthOptions { SigningKey = GatewayFixture.SigningKey, Issuer = GatewayFixture.Issuer, Audience = GatewayFixture.Audience },
        TimeProvider.System);

    public HttpClient Http { get; private set; } = null!;

    /// <summary>
    /// Starts the Gateway on Kestrel at a loopback port — real HTTP, so Kestrel's limits (the body size) and response
    /// streaming are what production has — and returns a client of it.
    /// </summary>
    public HttpClient Start()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = new Uri(Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
        if (!IPAddress.IsLoopback(IPAddress.Parse(address.Host)))
        {
            throw new InvalidOperationException($"The Gateway listens on {address}, not on loopback.");
        }

        // Every API response is checked against the OpenAPI document this Gateway serves. No drain: a disposed event
        // stream closes its connection at once, so the server sees the client leave.
        Http = OpenApiValidatingHandler.CreateClient(address);
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

        builder.ConfigureTestServices(services =>
        {
            if (_time is not null)
            {
                services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_time));
                services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
                services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, _time);
            }

            _configureServices?.Invoke(services);
        });
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
