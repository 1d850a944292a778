using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// The Gateway as a real process, as an operator runs it: Production settings, its own signing key, a fresh SQLite file
/// in a temp folder, loopback only; or the bare app. Disposing stops it (by its own process id) and removes its data.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo? _dataDirectory;

    private ServerProcess(Process process, int port, DirectoryInfo? dataDirectory, Stopwatch sinceStart)
    {
        _process = process;
        Port = port;
        _dataDirectory = dataDirectory;
        SinceStart = sinceStart;
    }

    public int Port { get; }

    public string BaseAddress => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Started together with the process.</summary>
    public Stopwatch SinceStart { get; }

    public static string NewSigningKey() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The Gateway's environment: Production, the key, temp SQLite, free loopback ports, raised heartbeat limits.</summary>
    public static Dictionary<string, string> GatewayEnvironment(string signingKey, DirectoryInfo dataDirectory, int port) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
        ["Auth__SigningKey"] = signingKey,
        ["Storage__Provider"] = "sqlite",
        ["Storage__ConnectionString"] = $"Data Source={Path.Combine(dataDirectory.FullName, "gateway.db")}",
        ["Orleans__SiloPort"] = BenchSilo.FreePort().ToString(CultureInfo.InvariantCulture),
        ["Orleans__GatewayPort"] = BenchSilo.FreePort().ToString(CultureInfo.InvariantCulture),
        ["Orleans__ClusterId"] = "suite-" + Guid.NewGuid().ToString("N")[..8],
        ["Orleans__ServiceId"] = "suite-" + Guid.NewGuid().ToString("N")[..8],
        ["Logging__LogLevel__Default"] = "Warning",
        // The product limits heartbeats per user (60 a minute); wrk sends tens of thousands a second over the suite's
        // agents, so the bench raises the limit to its maximum (6,000 a minute, bursts of 1,000): still enforced per call.
        ["Gateway__HeartbeatsPerMinute"] = "6000",
        ["Gateway__HeartbeatBurst"] = "1000",
    };

    public static Task<ServerProcess> StartGatewayAsync(string gatewayDll, string signingKey)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("work-sessions-gateway-");
        var port = BenchSilo.FreePort();
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(gatewayDll)!, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(gatewayDll);
        foreach (var (name, value) in GatewayEnvironment(signingKey, dataDirectory, port))
        {
            info.Environment[name] = value;
        }

        return StartAsync(info, port, dataDirectory, "gateway");
    }

    public static Task<ServerProcess> StartBareAsync()
    {
        var port = BenchSilo.FreePort();
        var info = ChildProcess.Bench("bare-kestrel", "--port", port.ToString(CultureInfo.InvariantCulture));
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        return StartAsync(info, port, null, "bare");
    }

    private static Task<ServerProcess> StartAsync(ProcessStartInfo info, int port, DirectoryInfo? dataDirectory, string label)
    {
        var watch = Stopwatch.StartNew();
        var process = Process.Start(info)!;
        ChildProcess.Track(process);
        process.OutputDataReceived += (_, e) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrEmpty(e.Data))
            {
                Console.Error.WriteLine($"  [{label}] {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return Task.FromResult(new ServerProcess(process, port, dataDirectory, watch));
    }

    /// <summary>Polls <paramref name="path"/> every 10 ms until it answers 2xx; returns the time since the process started.</summary>
    public async Task<TimeSpan> WaitForAsync(string path, TimeSpan bound)
    {
        using var client = new HttpClient { BaseAddress = new Uri(BaseAddress), Timeout = TimeSpan.FromSeconds(5) };
        while (SinceStart.Elapsed < bound)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server process exited with {_process.ExitCode} before {path} answered");
            }

            try
            {
                using var response = await client.GetAsync(path);
                if (response.IsSuccessStatusCode)
                {
                    return SinceStart.Elapsed;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"{path} did not answer within {bound.TotalSeconds:N0} s");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        ChildProcess.Forget(_process);
        _process.Dispose();
        try
        {
            _dataDirectory?.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleanup.
        }
    }
}
