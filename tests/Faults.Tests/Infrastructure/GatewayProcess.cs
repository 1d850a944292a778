using System.Diagnostics;
using System.Globalization;
using System.Text;
using WorkSessions.TestSupport;

namespace WorkSessions.Faults.Tests.Infrastructure;

/// <summary>The product's Gateway (<c>src/Gateway</c>) as a real client-mode process on a loopback port.</summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private GatewayProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

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

    /// <summary>Starts a Gateway and waits until it is live (not necessarily ready: it connects in the background).</summary>
    public static async Task<GatewayProcess> StartAsync(IEnumerable<string> arguments)
    {
        var port = LoopbackPorts.Take(1)[0];
        var dll = Repository.Output("Gateway", "WorkSessions.Gateway.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        start.ArgumentList.Add("--Orleans:Mode=client");
        start.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        start.ArgumentList.Add("--Logging:Console:FormatterName=simple");
        start.ArgumentList.Add("--Logging:Console:FormatterOptions:SingleLine=true");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var gateway = new GatewayProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"), port);
        try
        {
            using var http = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            await Eventually.UntilAsync(
                async () =>
                {
                    if (gateway._process.HasExited)
                    {
                        throw new InvalidOperationException($"The Gateway exited with {gateway._process.ExitCode}:\n{gateway.Output}");
                    }

                    try
                    {
                        return (await http.GetAsync("/health/live")).IsSuccessStatusCode;
                    }
                    catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                    {
                        // Not listening yet, or too busy starting to answer within the attempt's timeout.
                        return false;
                    }
                },
                live => live,
                TimeSpan.FromSeconds(120),
                "the Gateway to listen");
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL: nothing of the Gateway's shutdown runs; its connections drop.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
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
}
