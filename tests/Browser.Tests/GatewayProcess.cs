using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using WorkSessions.TestSupport;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// The product's Gateway (<c>src/Gateway</c>, built alongside this project) as a real child process in Development, as
/// <c>dotnet run --project src/Gateway</c> runs it: HTTP on a free loopback port, its silo in-process on free loopback
/// ports, a SQLite file in a temporary directory that disposing removes, and short minimums for the inactivity timeout
/// and the grace period so a whole prompt-and-auto-end flow takes seconds.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    /// <summary>The smallest inactivity timeout and grace period (seconds) this Gateway accepts in preferences.</summary>
    public const int MinimumSeconds = 2;

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The Gateway's root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address { get; }

    /// <summary>What the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the Gateway and waits until <c>/health/ready</c> answers 200.</summary>
    public static async Task<GatewayProcess> StartAsync()
    {
        var ports = LoopbackPorts.Take(3);
        var (httpPort, siloPort, gatewayPort) = (ports[0], ports[1], ports[2]);
        var directory = Directory.CreateTempSubdirectory("work-sessions-browser-").FullName;
        var assembly = GatewayAssemblyPath();
        var start = new ProcessStartInfo("dotnet")
        {
            // The build output is the content root, as in a deployment: appsettings*.json and the console's files sit there.
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}");
        var environment = start.Environment;
        environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        environment["DOTNET_ENVIRONMENT"] = "Development";
        environment["Orleans__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
        environment["Orleans__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture);
        environment["Orleans__ClusterId"] = TestIds.New("browser");
        environment["Storage__Provider"] = "sqlite";
        environment["Storage__ConnectionString"] = $"Data Source={Path.Combine(directory, "work-sessions.db")}";
        environment["WorkSessions__MinimumInactivityTimeoutSeconds"] = MinimumSeconds.ToString(CultureInfo.InvariantCulture);
        environment["WorkSessions__MinimumGracePeriodSeconds"] = MinimumSeconds.ToString(CultureInfo.InvariantCulture);
        environment["Logging__LogLevel__Default"] = "Warning";
        environment["Logging__LogLevel__Orleans"] = "Error";
        environment["Logging__Console__FormatterName"] = "simple";
        environment["Logging__Console__FormatterOptions__SingleLine"] = "true";

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var gateway = new GatewayProcess(process, directory, new Uri($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}/"));
        try
        {
            await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _process.Dispose();
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

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The Gateway exited with code {_process.ExitCode} before it was ready. Its output:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync("health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // A slow first answer while the silo starts; ask again.
            }

            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"The Gateway was not ready within {timeout}. Its output:\n{Output}");
            }

            await Task.Delay(200);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>src/Gateway's build output in this test project's configuration (it is built as a project reference).</summary>
    private static string GatewayAssemblyPath()
    {
        var configuration = typeof(GatewayProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}; cannot find src/Gateway.");
        }

        var path = Path.Combine(directory.FullName, "src", "Gateway", "bin", configuration, "net10.0", "WorkSessions.Gateway.dll");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} does not exist; build src/Gateway in {configuration} (building tests/Browser.Tests does).");
    }
}
