using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace WorkSessions.TestSupport;

/// <summary>
/// The product's single-node silo (<c>src/Silo</c>, built alongside this project) as a real child process on
/// loopback ports, with its console output captured.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, int siloPort, int gatewayPort, int metricsPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        MetricsPort = metricsPort;
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The service id the silo runs with unless <c>--Orleans:ServiceId</c> says otherwise.</summary>
    public const string ServiceId = "work-sessions";

    private const int SigTerm = 15;

    // Linux's numbers: the suites that freeze a silo run on Linux only (as do the other signals here).
    private const int SigStop = 19;
    private const int SigCont = 18;

    public int GatewayPort { get; }

    public int SiloPort { get; }

    /// <summary>The port of the silo's Prometheus scrape endpoint (<c>http://127.0.0.1:{port}/metrics</c>).</summary>
    public int MetricsPort { get; }

    /// <summary>The process id, to tell silos apart in a test's output.</summary>
    public int Id => _process.Id;

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

    /// <summary>Starts the silo in <paramref name="workingDirectory"/> and waits until its gateway accepts connections.</summary>
    public static async Task<SiloProcess> StartAsync(string workingDirectory, params string[] arguments)
    {
        var silo = Launch(workingDirectory, arguments);
        try
        {
            if (!await silo.WaitUntilListeningAsync(TimeSpan.FromSeconds(60)))
            {
                throw new InvalidOperationException($"The silo exited with code {silo.ExitCode} before it listened. Its output:\n{silo.Output}");
            }

            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts the silo in <paramref name="workingDirectory"/> without waiting for it: for tests of a silo that is
    /// expected to refuse to start (see <see cref="WaitUntilListeningAsync"/>).
    /// </summary>
    public static SiloProcess Launch(string workingDirectory, params string[] arguments)
    {
        var ports = LoopbackPorts.Take(3);
        var (siloPort, gatewayPort, metricsPort) = (ports[0], ports[1], ports[2]);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(SiloAssemblyPath());
        start.ArgumentList.Add($"--Orleans:SiloPort={siloPort}");
        start.ArgumentList.Add($"--Orleans:GatewayPort={gatewayPort}");
        start.ArgumentList.Add($"--Metrics:Port={metricsPort}");
        start.ArgumentList.Add("--Logging:LogLevel:Default=Information");
        start.ArgumentList.Add("--Logging:LogLevel:Orleans=Warning");
        start.ArgumentList.Add("--Logging:LogLevel:Microsoft=Warning");
        start.ArgumentList.Add("--Logging:Console:FormatterName=simple");
        start.ArgumentList.Add("--Logging:Console:FormatterOptions:SingleLine=true");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new SiloProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"), siloPort, gatewayPort, metricsPort);
    }

    /// <summary>The exit code once the process has exited, otherwise null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>An Orleans client connected to this silo's gateway.</summary>
    public async Task<IHost> ConnectClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client.UseLocalhostClustering(GatewayPort, ServiceId, ServiceId));
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return host;
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the machine or the process dies.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// SIGTERM, as systemd, Kubernetes or <c>docker stop</c> send on a deploy: the host shuts down gracefully
    /// (the silo deactivates its grains). Waits for the process to exit and returns its exit code.
    /// </summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited && Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
        }

        return await WaitForExitAsync(timeout);
    }

    /// <summary>
    /// SIGSTOP: the process is frozen — as in a long garbage collection, a paused VM or a stalled host — with its
    /// connections left open, so the other silos' probes time out rather than fail.
    /// </summary>
    public void Freeze() => Signal(SigStop, "SIGSTOP");

    /// <summary>SIGCONT: a frozen process runs on from where it stopped, its timers long due.</summary>
    public void Thaw() => Signal(SigCont, "SIGCONT");

    private void Signal(int signal, string name)
    {
        if (!_process.HasExited && Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {name}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Waits for the process to exit on its own and returns its exit code.</summary>
    /// <exception cref="TimeoutException">When it is still running after <paramref name="timeout"/>.</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"The silo did not exit within {timeout}. Its output:\n{Output}", exception);
        }

        return _process.ExitCode;
    }

    /// <summary>Waits for a line containing <paramref name="text"/> in the silo's output.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        try
        {
            await Eventually.UntilAsync(() => Output.Contains(text, StringComparison.Ordinal), timeout, $"'{text}' in the output", TimeSpan.FromMilliseconds(100));
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>
    /// Waits until the silo's gateway accepts connections (true) or the process exits first (false).
    /// </summary>
    /// <exception cref="TimeoutException">When neither happens within <paramref name="timeout"/>.</exception>
    public async Task<bool> WaitUntilListeningAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                return false;
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, GatewayPort);
                return true;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            catch (SocketException exception)
            {
                throw new TimeoutException($"The silo's gateway did not open within {timeout}. Its output:\n{Output}", exception);
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

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

    /// <summary>src/Silo's build output in this test project's configuration (it is built as a project reference).</summary>
    public static string SiloAssemblyPath()
    {
        var configuration = typeof(SiloProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}; cannot find src/Silo.");
        }

        var path = Path.Combine(directory.FullName, "src", "Silo", "bin", configuration, "net10.0", "WorkSessions.Silo.dll");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} does not exist; build src/Silo in {configuration} (building a test project that uses SiloProcess does).");
    }
}
