using System.Diagnostics;
using System.Globalization;

namespace WorkSessions.Bench.Suite;

/// <summary>Processes the suite starts: the bench itself for one figure, the Gateway, the bare app, wrk.</summary>
internal static class ChildProcess
{
    private static readonly HashSet<Process> Running = [];

    static ChildProcess()
    {
        // Stopping the suite (Ctrl-C, a kill of the runner) stops the processes it started, not only itself.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
        Console.CancelKeyPress += (_, _) => StopAll();
    }

    /// <summary>Remembers a started process so that stopping the suite stops it too.</summary>
    public static void Track(Process process)
    {
        lock (Running)
        {
            Running.Add(process);
        }
    }

    public static void Forget(Process process)
    {
        lock (Running)
        {
            Running.Remove(process);
        }
    }

    private static void StopAll()
    {
        lock (Running)
        {
            foreach (var process in Running)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
            }
        }
    }

    /// <summary>Starts this bench program with <paramref name="args"/> (after <c>suite</c>).</summary>
    public static ProcessStartInfo Bench(params string[] args)
    {
        var host = Environment.ProcessPath!;
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        info.ArgumentList.Add("suite");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>Runs one figure in a fresh process: its <c>@result</c> lines, or null when it failed.</summary>
    public static async Task<Dictionary<string, double>?> RunFigureAsync(string label, TimeSpan bound, params string[] args)
    {
        var info = Bench(args);
        var results = new Dictionary<string, double>();
        using var process = new Process { StartInfo = info };
        var watch = Stopwatch.StartNew();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (e.Data.StartsWith(Measure.Prefix, StringComparison.Ordinal))
            {
                var parts = e.Data[Measure.Prefix.Length..].Split(' ');
                lock (results)
                {
                    results[parts[0]] = double.Parse(parts[1], CultureInfo.InvariantCulture);
                }
            }
            else if (e.Data.Length > 0)
            {
                Console.Error.WriteLine($"  [{label}] {e.Data}");
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrEmpty(e.Data))
            {
                Console.Error.WriteLine($"  [{label}] {e.Data}");
            }
        };
        process.Start();
        Track(process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Forget(process);
            Console.Error.WriteLine($"  [{label}] killed after {bound.TotalSeconds:N0} s");
            return null;
        }

        process.WaitForExit();
        Forget(process);
        Console.Error.WriteLine($"  [{label}] done in {watch.Elapsed.TotalSeconds:N1} s, exit {process.ExitCode}");
        lock (results)
        {
            return process.ExitCode == 0 ? results : results.Count > 0 ? results : null;
        }
    }

    /// <summary>Runs a tool to its end and returns its standard output.</summary>
    public static async Task<string> OutputOfAsync(ProcessStartInfo info, TimeSpan bound)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{info.FileName} did not finish within {bound.TotalSeconds:N0} s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{info.FileName} {string.Join(' ', info.ArgumentList)} exited {process.ExitCode}: {await error}");
        }

        return await output;
    }
}
