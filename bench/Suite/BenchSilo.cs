using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WorkSessions.Contracts;
using WorkSessions.Hosting;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// One in-process silo with the product's storage, as the product configures it (reporting on, its default), except the
/// preference minimums: lowered to 1 s so a storm does not wait the product's 60 s minimum timeout.
/// </summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly DirectoryInfo _dataDirectory;

    private BenchSilo(IHost host, DirectoryInfo dataDirectory, string? postgres)
    {
        _host = host;
        _dataDirectory = dataDirectory;
        Postgres = postgres;
    }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _host.Services;

    /// <summary>The SQLite file's path, or null on PostgreSQL.</summary>
    public string? SqlitePath => Postgres is null ? Path.Combine(_dataDirectory.FullName, "bench.db") : null;

    public string? Postgres { get; }

    public string StorageName => Postgres is null ? "SQLite" : "PostgreSQL";

    public static async Task<BenchSilo> StartAsync(string? postgres)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("work-sessions-suite-");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = dataDirectory.FullName, Args = HostArguments.WithConfigurationReadOnce([]) });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Orleans' warnings about slow turns and stalls flood the output in a storm on a loaded machine; the figures say it.
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = postgres is null ? "sqlite" : "postgres",
            ["Storage:ConnectionString"] = postgres ?? $"Data Source={Path.Combine(dataDirectory.FullName, "bench.db")}",
            ["Orleans:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:ClusterId"] = "suite-" + Guid.NewGuid().ToString("N")[..8],
            ["Orleans:ServiceId"] = "suite-" + Guid.NewGuid().ToString("N")[..8],
            ["WorkSessions:MinimumInactivityTimeoutSeconds"] = "1",
            ["WorkSessions:MinimumGracePeriodSeconds"] = "1",
        });
        builder.UseOrleans(silo => silo.UseWorkSessionsCluster(builder.Configuration));
        var host = builder.Build();
        await host.StartAsync();
        return new BenchSilo(host, dataDirectory, postgres);
    }

    /// <summary>A tenant of its own for one measurement, with the given preferences.</summary>
    public async Task<string> NewTenantAsync(string name, bool autoEnd, int timeoutSeconds, int graceSeconds)
    {
        var tenant = $"{name}-{Guid.NewGuid():N}"[..24];
        await Grains.GetTenantGrain(tenant).UpdatePreferences(new WorkSessionPreferences(true, autoEnd, timeoutSeconds, graceSeconds), null, "bench");
        return tenant;
    }

    public IAgentGrain Agent(string tenant, int i) => Grains.GetAgentGrain(tenant, $"agent-{i}");

    /// <summary>Runs <paramref name="command"/> for 0..count-1 from <paramref name="callers"/> concurrent callers; returns the elapsed time.</summary>
    public static async Task<TimeSpan> ForAllAsync(int count, int callers, Func<int, Task> command)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = callers }, async (i, _) => await command(i));
        return watch.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        try
        {
            _dataDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing connection: the temp folder is left for the OS to clean.
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
