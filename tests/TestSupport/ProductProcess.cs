using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace WorkSessions.TestSupport;

/// <summary>
/// One of the product's hosts (<see cref="SiloProcess"/>, <see cref="GatewayProcess"/>) as a real child process on
/// loopback ports, with its console output captured. Tests wait on what the process signals — a line of its output
/// (<see cref="WaitForOutputAsync"/>), its start (<see cref="WaitUntilStartedAsync"/>), its exit — never on a delay.
/// </summary>
public abstract class ProductProcess : IAsyncDisposable
{
    /// <summary>What the .NET host logs once every hosted service has started (the silo is active, Kestrel listens).</summary>
    public const string StartedLine = "Application started.";

    private const int SigTerm = 15;

    // Linux's numbers: the suites that freeze a silo run on Linux only (as do the other signals here).
    private const int SigStop = 19;
    private const int SigCont = 18;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _awaited = [];
    private readonly List<(long Order, string Line)> _lines = [];

    /// <summary>Counts the lines of every product process in this test run, so that their order across processes is known.</summary>
    private static long s_linesWritten;
    private readonly Task _exited;

    /// <summary>Starts <paramref name="start"/> and begins capturing its output.</summary>
    protected ProductProcess(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        if (!_process.Start())
        {
            throw new InvalidOperationException($"{start.FileName} did not start");
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        // Completes once the process has exited and its output is read to the end.
        _exited = _process.WaitForExitAsync();
    }

    /// <summary>The process id, to tell processes apart in a test's output.</summary>
    public int Id => _process.Id;

    /// <summary>The exit code once the process has exited, otherwise null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

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

    /// <summary>
    /// When this process last wrote a line containing <paramref name="text"/>, as a place in the order of every product
    /// process's lines (larger is later); null when it never did. Tells which of several processes logged something last.
    /// </summary>
    public long? LastLineWith(string text)
    {
        lock (_output)
        {
            for (var i = _lines.Count - 1; i >= 0; i--)
            {
                if (_lines[i].Line.Contains(text, StringComparison.Ordinal))
                {
                    return _lines[i].Order;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// A <c>dotnet</c> start of a product assembly with the console logging the tests read: one line per entry, and the
    /// host's own <see cref="StartedLine"/> whatever the other levels are.
    /// </summary>
    protected static ProcessStartInfo DotnetStart(string assemblyPath, string workingDirectory)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(assemblyPath);
        start.ArgumentList.Add("--Logging:Console:FormatterName=simple");
        start.ArgumentList.Add("--Logging:Console:FormatterOptions:SingleLine=true");
        start.ArgumentList.Add("--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information");
        return start;
    }

    /// <summary>
    /// Waits until the host has started (true) or the process exits first (false), on the host's
    /// <see cref="StartedLine"/> and the process's exit.
    /// </summary>
    /// <exception cref="TimeoutException">When neither happens within <paramref name="timeout"/>.</exception>
    public async Task<bool> WaitUntilStartedAsync(TimeSpan timeout)
    {
        var started = OutputSeen(StartedLine);
        try
        {
            var first = await Task.WhenAny(started, _exited).WaitAsync(timeout);
            return first == started;
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{GetType().Name} {Id} neither started nor exited within {timeout}. Its output:\n{Output}", exception);
        }
    }

    /// <summary>Waits for a line containing <paramref name="text"/> in the output (true), or the timeout (false).</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        try
        {
            await OutputSeen(text).WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Waits for the process to exit on its own and returns its exit code.</summary>
    /// <exception cref="TimeoutException">When it is still running after <paramref name="timeout"/>.</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _exited.WaitAsync(timeout);
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{GetType().Name} {Id} did not exit within {timeout}. Its output:\n{Output}", exception);
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the machine or the process dies.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _exited.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// SIGTERM, as systemd, Kubernetes or <c>docker stop</c> send on a deploy: the host shuts down gracefully.
    /// Waits for the process to exit and returns its exit code.
    /// </summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        Signal(SigTerm, "SIGTERM");
        return await WaitForExitAsync(timeout);
    }

    /// <summary>
    /// SIGSTOP: the process is frozen — as in a long garbage collection, a paused VM or a stalled host — with its
    /// connections left open, so its peers' probes time out rather than fail.
    /// </summary>
    public void Freeze() => Signal(SigStop, "SIGSTOP");

    /// <summary>SIGCONT: a frozen process runs on from where it stopped, its timers long due.</summary>
    public void Thaw() => Signal(SigCont, "SIGCONT");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
            OnDisposed();
        }
    }

    /// <summary>Clean-up after the process is gone (e.g. its temporary directory).</summary>
    protected virtual void OnDisposed()
    {
    }

    /// <summary>Completes when a line containing <paramref name="text"/> has been written (at once if one already was).</summary>
    private Task OutputSeen(string text)
    {
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }

            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _awaited.Add((text, seen));
            return seen.Task;
        }
    }

    private void Signal(int signal, string name)
    {
        if (!_process.HasExited && Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {name}) failed with errno {Marshal.GetLastPInvokeError()}.");
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
            _lines.Add((Interlocked.Increment(ref s_linesWritten), line));
            for (var i = _awaited.Count - 1; i >= 0; i--)
            {
                if (line.Contains(_awaited[i].Text, StringComparison.Ordinal))
                {
                    _awaited[i].Seen.TrySetResult();
                    _awaited.RemoveAt(i);
                }
            }
        }
    }
}
