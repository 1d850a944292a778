using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace WorkSessions.Faults.Tests.Infrastructure;

/// <summary>
/// One fault scenario's run: starts the cluster, runs the scenario against it, and prints the figures it noted (each
/// line tagged, e.g. <c>[faults]</c>, which test.sh picks out of the results) — with the cluster's logs when it fails.
/// </summary>
internal sealed class FaultRun(ITestOutputHelper output, string tag)
{
    private readonly StringBuilder _figures = new();

    /// <summary>Starts a cluster, runs <paramref name="scenario"/> on it, and prints the figures, the logs too on failure.</summary>
    public Task RunAsync(Func<FaultCluster, Task> scenario) => RunAsync(() => FaultCluster.StartAsync(), scenario);

    /// <summary>As <see cref="RunAsync(Func{FaultCluster, Task})"/> on a cluster <paramref name="start"/> starts.</summary>
    public async Task RunAsync(Func<Task<FaultCluster>> start, Func<FaultCluster, Task> scenario)
    {
        var run = TimeProvider.System.GetTimestamp();
        await using var cluster = await start();
        try
        {
            await scenario(cluster);
        }
        catch
        {
            output.WriteLine(_figures.ToString());
            output.WriteLine(cluster.Logs());
            throw;
        }
        finally
        {
            Figure($"total run: {TimeProvider.System.GetElapsedTime(run).TotalSeconds:F0} s");
        }

        output.WriteLine(_figures.ToString());
    }

    /// <summary>Notes a figure: kept for the test's output and written to the console at once.</summary>
    public void Figure(string line)
    {
        _figures.AppendLine($"[{tag}] {line}");
        Console.WriteLine($"[{tag}] {line}");
    }

    /// <summary>The real time since <paramref name="since"/> (a <see cref="TimeProvider.GetTimestamp"/>), as "12.3 s".</summary>
    public static string Seconds(long since) => $"{TimeProvider.System.GetElapsedTime(since).TotalSeconds:F1} s";

    /// <summary>Counts by HTTP status, "no answer" for 0, in status order.</summary>
    public static string Describe(IEnumerable<KeyValuePair<int, int>> counts)
    {
        var list = counts.OrderBy(pair => pair.Key).Select(pair => $"{(pair.Key == 0 ? "no answer" : pair.Key.ToString(CultureInfo.InvariantCulture))}: {pair.Value}").ToList();
        return list.Count == 0 ? "0" : string.Join(", ", list);
    }
}
