using System.Diagnostics;
using System.Globalization;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// Runs every figure of the suite, each in a fresh process (or, for the HTTP figures, against fresh server processes),
/// repeats the whole set <c>--runs</c> times (runs interleave, so a noisy minute weighs on every figure alike), and
/// writes the table with median and range to bench/RESULTS.md between its suite markers.
/// </summary>
internal static class SuiteRunner
{
    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var quick = arguments.Flag("--quick");
        var scale = double.Parse(arguments.Value("--scale") ?? "1", CultureInfo.InvariantCulture);
        var sizes = quick ? SuiteSizes.Quick : SuiteSizes.Full.Scaled(scale);
        var runs = arguments.Int("--runs", quick ? 1 : 3);
        var postgres = arguments.Value("--postgres");
        var gatewayDll = Path.GetFullPath(arguments.Value("--gateway") ?? "src/Gateway/bin/Release/net10.0/WorkSessions.Gateway.dll");
        var resultsPath = arguments.Value("--results") ?? "bench/RESULTS.md";
        var redis = arguments.Value("--redis");
        // --only http,heap: just the figures whose keys start so, printed and never written (the table would have holes).
        var only = arguments.Value("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var machine = MachineDescription.Collect();
        Console.Error.WriteLine($"suite: {(quick ? "quick" : "full")}, {runs} run(s); {machine.OneLine}");

        var collected = new Dictionary<string, List<double>>();
        var total = Stopwatch.StartNew();
        var failedJobs = new List<string>();
        for (var run = 1; run <= runs; run++)
        {
            Console.Error.WriteLine($"suite: run {run} of {runs}");
            var jobs = Jobs(sizes, postgres, gatewayDll, redis)
                .Where(job => only is null || only.Any(prefix => job.Key.StartsWith(prefix, StringComparison.Ordinal)))
                .ToList();
            var outcomes = new List<(string Key, Dictionary<string, double>? Values)>();
            if (quick)
            {
                // Tiny sizes: the figures only have to come out, so the processes share the machine at once.
                using var slots = new SemaphoreSlim(6);
                outcomes.AddRange(await Task.WhenAll(jobs.Select(async job =>
                {
                    await slots.WaitAsync();
                    try
                    {
                        return (job.Key, await SafelyAsync(job));
                    }
                    finally
                    {
                        slots.Release();
                    }
                })));
            }
            else
            {
                foreach (var job in jobs)
                {
                    outcomes.Add((job.Key, await SafelyAsync(job)));
                }
            }

            var values = new Dictionary<string, double>();
            foreach (var (key, results) in outcomes)
            {
                if (results is null)
                {
                    failedJobs.Add($"{key} (run {run})");
                }

                foreach (var (name, value) in results ?? [])
                {
                    values[$"{key}:{name}"] = value;
                }
            }

            SuiteTable.AddDerived(values, sizes);
            foreach (var (name, value) in values)
            {
                (collected.TryGetValue(name, out var list) ? list : collected[name] = []).Add(value);
            }
        }

        var table = SuiteTable.Build(collected, sizes, postgres is not null);
        var section = SuiteTable.Markdown(table, machine, runs, quick, scale, total.Elapsed);
        Console.WriteLine(section);
        var missing = table.Where(row => row.Missing).Select(row => row.Figure).ToList();
        if (!arguments.Flag("--no-write") && only is null)
        {
            ResultsFile.WriteSection(resultsPath, section);
            Console.Error.WriteLine($"suite: wrote {resultsPath}");
        }

        if (only is not null)
        {
            Console.WriteLine(failedJobs.Count == 0
                ? $"suite: the figures starting {string.Join(", ", only)} measured in {total.Elapsed.TotalSeconds:N0} s (not written: --only)"
                : $"suite: failed: {string.Join(", ", failedJobs)}");
            return failedJobs.Count == 0 ? 0 : 1;
        }

        Console.WriteLine(missing.Count == 0
            ? $"suite: all {table.Count} figures measured in {total.Elapsed.TotalSeconds:N0} s"
            : $"suite: {missing.Count} of {table.Count} figures missing: {string.Join("; ", missing)}");
        return missing.Count == 0 ? 0 : 1;
    }

    private static async Task<Dictionary<string, double>?> SafelyAsync(SuiteJob job)
    {
        try
        {
            return await job.Run();
        }
        catch (Exception exception)
        {
            Console.Error.WriteLine($"  [{job.Key}] failed: {exception.GetType().Name}: {exception.Message}");
            return null;
        }
    }

    private static List<SuiteJob> Jobs(SuiteSizes sizes, string? postgres, string gatewayDll, string? redis)
    {
        var bound = sizes.ChildBound;
        string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        var jobs = new List<SuiteJob>();
        foreach (var (db, connection) in postgres is null ? [("sqlite", (string?)null)] : new[] { ("sqlite", (string?)null), ("postgres", postgres) })
        {
            foreach (var (size, agents) in new[] { ("big", sizes.StormAgents), ("small", sizes.SmallStormAgents) })
            {
                var args = new List<string> { "storm", "--agents", N(agents), "--grace", N(sizes.StormGrace), "--margin", N(sizes.StormMargin) };
                if (connection is not null)
                {
                    args.AddRange(["--postgres", connection]);
                }

                jobs.Add(new($"storm.{db}.{size}", () => ChildProcess.RunFigureAsync($"storm {db} {agents}", bound, [.. args])));
            }
        }

        jobs.AddRange(PeerJobs.For(sizes, postgres, redis));
        jobs.Add(new("starts", () => ChildProcess.RunFigureAsync("starts", bound, "starts", "--agents", N(sizes.StartAgents))));
        jobs.Add(new("calls", () => ChildProcess.RunFigureAsync("calls", bound, "calls", "--keys", N(sizes.CallKeys), "--seconds", N(sizes.CallSeconds))));
        foreach (var (point, sessions) in new[] { ("zero", 0), ("mid", sizes.HeapMid), ("large", sizes.HeapLarge) })
        {
            jobs.Add(new($"heap.{point}", () => ChildProcess.RunFigureAsync($"heap {sessions}", bound, "heap", "--sessions", N(sessions), "--settle", N(sizes.SettleSeconds))));
        }

        jobs.Add(new("writes", () => ChildProcess.RunFigureAsync("writes", bound, "writes", "--agents", N(sizes.WriteAgents), "--heartbeats", N(sizes.WriteHeartbeats))));
        jobs.Add(new("preferences", () => ChildProcess.RunFigureAsync("preferences", bound, "preferences", "--agents", N(sizes.PreferenceAgents), "--settle", N(sizes.SettleSeconds))));
        jobs.Add(new("roster", () => ChildProcess.RunFigureAsync("roster", bound, "roster", "--sessions", N(sizes.PreferenceAgents))));
        jobs.Add(new("teams", () => ChildProcess.RunFigureAsync("teams", bound, "teams", "--agents", N(sizes.PreferenceAgents), "--settle", N(sizes.SettleSeconds))));
        jobs.Add(new("feed", () => ChildProcess.RunFigureAsync("feed", bound, "feed", "--seconds", N(sizes.CallSeconds))));
        jobs.Add(new("http", async () => await HttpFigure.RunAsync(gatewayDll, sizes.HttpAgents, sizes.WrkSeconds)));
        jobs.Add(new("startup", async () => await StartupFigure.RunAsync(gatewayDll)));
        return jobs;
    }
}

/// <summary>One figure's measurement: its results by name, or null when it failed.</summary>
internal sealed record SuiteJob(string Key, Func<Task<Dictionary<string, double>?>> Run);

/// <summary>The suite's sizes: the issue's for a full run, tiny ones for <c>--quick</c>.</summary>
internal sealed record SuiteSizes(
    int StormAgents, int SmallStormAgents, int StartAgents, int CallKeys, int CallSeconds, int HeapMid, int HeapLarge,
    int WriteAgents, int WriteHeartbeats, int PreferenceAgents, int HttpAgents, int WrkSeconds, int StormGrace, int StormMargin, int SettleSeconds, TimeSpan ChildBound)
{
    public static SuiteSizes Full { get; } = new(50_000, 1_000, 10_000, 10_000, 10, 10_000, 100_000, 1_000, 100_000, 50_000, 1_000, 10, StormFigure.GraceSeconds, StormFigure.MarginSeconds, 6, TimeSpan.FromMinutes(15));

    /// <summary>The agent counts times <paramref name="scale"/> (for a machine too busy or too small for the full sizes); times stay.</summary>
    public SuiteSizes Scaled(double scale)
    {
        int Of(int count) => Math.Max(100, (int)(count * scale));
        return scale == 1 ? this : this with
        {
            StormAgents = Of(StormAgents), SmallStormAgents = Of(SmallStormAgents), StartAgents = Of(StartAgents), CallKeys = Of(CallKeys),
            HeapMid = Of(HeapMid), HeapLarge = Of(HeapLarge), WriteAgents = Of(WriteAgents), WriteHeartbeats = Of(WriteHeartbeats),
            PreferenceAgents = Of(PreferenceAgents), HttpAgents = Of(HttpAgents),
        };
    }

    public static SuiteSizes Quick { get; } = new(500, 100, 500, 1_000, 2, 500, 2_000, 200, 5_000, 500, 100, 2, 1, 2, 1, TimeSpan.FromMinutes(3));
}
