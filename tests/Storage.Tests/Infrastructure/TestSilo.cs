using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Storage;
using WorkSessions.Hosting;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests.Infrastructure;

/// <summary>
/// A real silo host in this process, configured the way <c>src/Silo</c> is: the product's grains on durable
/// storage, localhost clustering on SQLite and ADO.NET clustering on PostgreSQL, loopback ports only.
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private TestSilo(IHost host, int siloPort, int gatewayPort)
    {
        _host = host;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public IServiceProvider Services => _host.Services;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public SiloAddress Address => _host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    public IGrainStorage GrainStorage => _host.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.WorkSessions);

    public static async Task<TestSilo> StartAsync(IReadOnlyDictionary<string, string?> storageSettings, string serviceId, string clusterId)
    {
        var ports = LoopbackPorts.Take(2);
        var (siloPort, gatewayPort) = (ports[0], ports[1]);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(storageSettings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WorkSessions:MinimumInactivityTimeoutSeconds"] = "1",
            ["WorkSessions:MinimumGracePeriodSeconds"] = "1",
            ["Orleans:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans:ServiceId"] = serviceId,
            ["Orleans:ClusterId"] = clusterId,
        });
        builder.UseOrleans(silo =>
        {
            silo.UseWorkSessionsCluster(builder.Configuration);

            // Real time, so a reminder that is to fire within the test must be allowed a short period.
            silo.Configure<ReminderOptions>(reminders => reminders.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        });

        var host = builder.Build();
        try
        {
            await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new TestSilo(host, siloPort, gatewayPort);
    }

    /// <summary>A graceful shutdown: the silo leaves the cluster and deactivates its grains.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }
}
