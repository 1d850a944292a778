using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;
using WorkSessions.Gateway.Auth;
using WorkSessions.Gateway.Hosting;
using WorkSessions.TestSupport;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// One Gateway per test collection, on Kestrel at a loopback port, hosting its silo in-process (the default
/// <c>Orleans:Mode=cohosted</c>) on free loopback ports. Grain timers, injected clocks and reminders run on a
/// fake clock; membership, messaging, JWT lifetimes and the rate limiter keep real time.
/// Tests use a fresh tenant each, so they never share grains.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string SigningKey = "gateway-tests-signing-key-0123456789-abcdef";
    public const string Issuer = "work-sessions-tests";
    public const string Audience = "work-sessions-tests-api";

    /// <summary>Heartbeats per minute: one, so a burst is never topped up while a test runs.</summary>
    public const int HeartbeatsPerMinute = 1;

    public const int HeartbeatBurst = 4;

    public const int MaxRequestBodyBytes = 4096;

    private ActiveRequestCounter? _activeRequests;
    private bool _hostStopped;

    public FakeTimeProvider Time { get; } = new(TimeProvider.System.GetUtcNow());

    public TestGateway App { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public IServiceProvider Services => App.Services;

    /// <summary>Valid tokens, minted on the real clock: JWT lifetime validation uses real time.</summary>
    public TokenIssuer Tokens { get; } = new(new AuthOptions { SigningKey = SigningKey, Issuer = Issuer, Audience = Audience }, TimeProvider.System);

    /// <summary>Changes to the Gateway's services beyond the tests' defaults, for a fixture a test creates itself.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    public int SiloPort => App.SiloPort;

    public int GatewayPort => App.GatewayPort;

    public Task InitializeAsync()
    {
        App = new TestGateway(
            configure: settings =>
            {
                settings["WorkSessions:MinimumInactivityTimeoutSeconds"] = "1";
                settings["WorkSessions:MinimumGracePeriodSeconds"] = "1";
                settings["Gateway:HeartbeatsPerMinute"] = HeartbeatsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
                settings["Gateway:HeartbeatBurst"] = HeartbeatBurst.ToString(System.Globalization.CultureInfo.InvariantCulture);
                // The authorization matrix restarts one agent's session for every cell: the write budget is tested on a Gateway of its own.
                settings["Gateway:WritesPerMinute"] = "60000";
                settings["Gateway:WriteBurst"] = "10000";
                settings["Gateway:MaxRequestBodyBytes"] = MaxRequestBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
            },
            time: Time,
            configureServices: ConfigureServices);
        Http = App.Start();
        _activeRequests = new ActiveRequestCounter(Services.GetRequiredService<IMeterFactory>());

        // Fail fast when the wiring is not what the tests assume.
        if (!ReferenceEquals(Services.GetRequiredService<TimeProvider>(), Time))
        {
            throw new InvalidOperationException("The fake clock is not the container's TimeProvider.");
        }

        var silo = Services.GetRequiredService<ILocalSiloDetails>();
        if (silo.SiloAddress.Endpoint.Port != SiloPort || silo.GatewayAddress?.Endpoint.Port != GatewayPort)
        {
            throw new InvalidOperationException($"The silo listens on {silo.SiloAddress} / {silo.GatewayAddress}, not on the ports the tests chose.");
        }

        var options = Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        if (options.HeartbeatBurst != HeartbeatBurst || options.MaxRequestBodyBytes != MaxRequestBodyBytes)
        {
            throw new InvalidOperationException("The Gateway settings were not applied.");
        }

        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (App is not null && !_hostStopped)
        {
            // With the client's connections closed, let the server finish its requests (event streams unsubscribe on the
            // way out), then deactivate the agents while the silo is fully up, and only then stop the host.
            await WaitForNoActiveRequestsAsync();
            await DeactivateAgentsAsync();
            await StopHostAsync();
        }

        _activeRequests?.Dispose();
    }

    /// <summary>Stops and disposes the Gateway host as it is, open connections and all.</summary>
    public async Task StopHostAsync()
    {
        _hostStopped = true;
        await App.DisposeAsync();
    }

    /// <summary>
    /// Deactivates the agent grains while the silo is fully up, as idle collection would. Left to the silo's shutdown,
    /// an agent with an open session writes its clean-deactivation marker while the in-memory storage's own grains
    /// are being deactivated too; when those go first, the write retries placement until the host's shutdown timeout.
    /// </summary>
    private async Task DeactivateAgentsAsync()
    {
        var management = Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var agents = await management.GetActiveGrains(GrainType.Create("agent"));
        await Task.WhenAll(agents.Select(agent => management.DeactivateGrain(agent))).WaitAsync(TimeSpan.FromSeconds(30));
    }

    private async Task WaitForNoActiveRequestsAsync()
    {
        try
        {
            await (_activeRequests?.WhenIdle() ?? Task.CompletedTask).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // A request that never ends is stopped with the host.
        }
    }

    /// <summary>Advances the fake clock; a stuck advance fails the test instead of hanging it.</summary>
    public Task AdvanceAsync(TimeSpan duration) => Task.Run(() => Time.Advance(duration)).WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>A tenant no other test uses.</summary>
    public TestTenant NewTenant() => new(Http, Tokens, NewTenantId());

    /// <summary>A tenant id no other test uses.</summary>
    public static string NewTenantId() => "t-" + Guid.NewGuid().ToString("N")[..12];

    public string Token(string tenantId, string userId, params string[] roles) =>
        Tokens.Issue(tenantId, userId, roles, TimeSpan.FromHours(1));
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}

/// <summary>
/// Counts one host's HTTP requests in flight, from ASP.NET Core's <c>http.server.active_requests</c>, and signals when
/// none is left.
/// </summary>
internal sealed class ActiveRequestCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource? _idle;
    private long _count;

    public ActiveRequestCounter(IMeterFactory hostMeters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument is { Name: "http.server.active_requests", Meter.Name: "Microsoft.AspNetCore.Hosting" } && ReferenceEquals(instrument.Meter.Scope, hostMeters))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, delta, _, _) =>
        {
            if (Interlocked.Add(ref _count, delta) == 0)
            {
                lock (_gate)
                {
                    _idle?.TrySetResult();
                    _idle = null;
                }
            }
        });
        _listener.Start();
    }

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Completes when no request is in flight (at once if none is).</summary>
    public Task WhenIdle()
    {
        lock (_gate)
        {
            if (Count == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    public void Dispose() => _listener.Dispose();
}
