using Microsoft.Extensions.Hosting;

namespace WorkSessions.TestSupport;

/// <summary>
/// The product's single-node silo (<c>src/Silo</c>, built alongside this project) as a real child process on
/// loopback ports.
/// </summary>
public sealed class SiloProcess : ProductProcess
{
    /// <summary>The service id the silo runs with unless <c>--Orleans:ServiceId</c> says otherwise.</summary>
    public const string ServiceId = "work-sessions";

    private SiloProcess(System.Diagnostics.ProcessStartInfo start, int siloPort, int gatewayPort, int metricsPort)
        : base(start)
    {
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        MetricsPort = metricsPort;
    }

    public int GatewayPort { get; }

    public int SiloPort { get; }

    /// <summary>The port of the silo's Prometheus scrape endpoint (<c>http://127.0.0.1:{port}/metrics</c>).</summary>
    public int MetricsPort { get; }

    /// <summary>
    /// Starts the silo in <paramref name="workingDirectory"/> and waits until it has started (its gateway accepts
    /// clients). A port taken by another process between choosing it and binding it is chosen again, up to three times.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(string workingDirectory, params string[] arguments)
    {
        for (var launch = 1; ; launch++)
        {
            var silo = Launch(workingDirectory, arguments);
            try
            {
                if (await silo.WaitUntilStartedAsync(TimeSpan.FromMinutes(3)))
                {
                    return silo;
                }

                if (launch < 3 && silo.Output.Contains("AddressInUseException", StringComparison.Ordinal))
                {
                    await silo.DisposeAsync();
                    continue;
                }

                throw new InvalidOperationException($"The silo exited with code {silo.ExitCode} before it started. Its output:\n{silo.Output}");
            }
            catch
            {
                await silo.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// Starts the silo in <paramref name="workingDirectory"/> without waiting for it: for tests of a silo that is
    /// expected to refuse to start (see <see cref="ProductProcess.WaitUntilStartedAsync"/>).
    /// </summary>
    public static SiloProcess Launch(string workingDirectory, params string[] arguments)
    {
        var ports = LoopbackPorts.Take(3);
        var (siloPort, gatewayPort, metricsPort) = (ports[0], ports[1], ports[2]);
        var start = DotnetStart(SiloAssemblyPath(), workingDirectory);
        start.ArgumentList.Add($"--Orleans:SiloPort={siloPort}");
        start.ArgumentList.Add($"--Orleans:GatewayPort={gatewayPort}");
        start.ArgumentList.Add($"--Metrics:Port={metricsPort}");
        start.ArgumentList.Add("--Logging:LogLevel:Default=Information");
        start.ArgumentList.Add("--Logging:LogLevel:Orleans=Warning");
        start.ArgumentList.Add("--Logging:LogLevel:Microsoft=Warning");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new SiloProcess(start, siloPort, gatewayPort, metricsPort);
    }

    /// <summary>An Orleans client connected to this silo's gateway.</summary>
    public async Task<IHost> ConnectClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client.UseLocalhostClustering(GatewayPort, ServiceId, ServiceId));
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return host;
    }

    /// <summary>src/Silo's build output in this test project's configuration (it is built as a project reference).</summary>
    public static string SiloAssemblyPath() => RepositoryPaths.ProductAssembly("Silo", "WorkSessions.Silo.dll");
}
