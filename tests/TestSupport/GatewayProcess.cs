using System.Globalization;
using System.Net;

namespace WorkSessions.TestSupport;

/// <summary>
/// The product's Gateway (<c>src/Gateway</c>) as a real child process, HTTP on a free loopback port, its build output
/// the content root as in a deployment. A test project that starts one references src/Gateway so it is built.
/// </summary>
public sealed class GatewayProcess : ProductProcess
{
    private readonly string? _temporaryDirectory;

    private GatewayProcess(System.Diagnostics.ProcessStartInfo start, int port, string? temporaryDirectory)
        : base(start)
    {
        Port = port;
        _temporaryDirectory = temporaryDirectory;
    }

    /// <summary>The HTTP port.</summary>
    public int Port { get; }

    /// <summary>The Gateway's root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>
    /// Starts a Gateway and waits until it has started: it listens, and a cohosted silo is active (a client-mode Gateway
    /// connects to its cluster in the background, so it may not be ready yet).
    /// </summary>
    /// <param name="environment">The host environment (<c>Development</c>, <c>Production</c>, …).</param>
    /// <param name="settings">Configuration, as <c>Key=Value</c> command-line settings (e.g. <c>Orleans:Mode=client</c>).</param>
    /// <param name="temporaryDirectory">A directory of this Gateway's own (its SQLite file), removed on disposal.</param>
    /// <param name="environmentVariables">Variables of the process besides the test's own (e.g. <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).</param>
    /// <param name="port">The HTTP port, when another process must know the Gateway's address first (an identity
    /// provider's redirect URIs); a free one otherwise.</param>
    /// <param name="launcher">A command the Gateway runs under, e.g. <c>nsenter --net=… --</c> to start it in a network
    /// namespace of its own.</param>
    /// <param name="unixSocket">A Unix socket to listen on besides the HTTP port: reachable from every network namespace.</param>
    public static async Task<GatewayProcess> StartAsync(
        string environment, IEnumerable<string> settings, string? temporaryDirectory = null,
        IReadOnlyDictionary<string, string>? environmentVariables = null, int? port = null,
        IReadOnlyList<string>? launcher = null, string? unixSocket = null)
    {
        var httpPort = port ?? LoopbackPorts.Take(1)[0];
        var assembly = RepositoryPaths.ProductAssembly("Gateway", "WorkSessions.Gateway.dll");
        var start = DotnetStart(assembly, Path.GetDirectoryName(assembly)!);
        if (launcher is { Count: > 0 })
        {
            // launcher[0] launcher[1..] dotnet <the Gateway's arguments>
            var prefix = launcher.Skip(1).Append(start.FileName).ToList();
            for (var i = prefix.Count - 1; i >= 0; i--)
            {
                start.ArgumentList.Insert(0, prefix[i]);
            }

            start.FileName = launcher[0];
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["DOTNET_ENVIRONMENT"] = environment;
        foreach (var (name, value) in environmentVariables ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}" + (unixSocket is null ? "" : $";http://unix:{unixSocket}"));
        start.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        foreach (var setting in settings)
        {
            start.ArgumentList.Add("--" + setting);
        }

        var gateway = new GatewayProcess(start, httpPort, temporaryDirectory);
        try
        {
            if (!await gateway.WaitUntilStartedAsync(TimeSpan.FromMinutes(3)))
            {
                throw new InvalidOperationException($"The Gateway exited with code {gateway.ExitCode} before it started. Its output:\n{gateway.Output}");
            }

            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits until <c>/health/ready</c> answers 200. Readiness is only ever answered when asked, so this polls
    /// (<see cref="Eventually"/>).
    /// </summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.UntilAsync(
            async () =>
            {
                if (ExitCode is { } exitCode)
                {
                    throw new InvalidOperationException($"The Gateway exited with code {exitCode}. Its output:\n{Output}");
                }

                try
                {
                    using var response = await http.GetAsync("health/ready");
                    return (HttpStatusCode?)response.StatusCode;
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    // A slow first answer while the cluster connects; ask again.
                    return (HttpStatusCode?)null;
                }
            },
            status => status == HttpStatusCode.OK,
            timeout,
            $"the Gateway on port {Port} to be ready");
    }

    protected override void OnDisposed()
    {
        if (_temporaryDirectory is null)
        {
            return;
        }

        try
        {
            Directory.Delete(_temporaryDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }
}
