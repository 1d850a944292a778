namespace WorkSessions.Bench.Suite;

/// <summary>
/// <c>suite run [--quick] [--runs N] [--no-write] ...</c> runs every figure (bench/run.sh calls it); the other verbs are
/// one figure's measurement, run by <c>suite run</c> in a fresh process of its own.
/// </summary>
internal static class SuiteCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var verb = args.Length > 0 ? args[0] : "run";
        var arguments = new SuiteArguments(args.Length > 0 ? args[1..] : []);
        switch (verb)
        {
            case "run": return await SuiteRunner.RunAsync(arguments);
            case "million": return await MillionRun.RunAsync(arguments);
            case "storm": return await StormFigure.RunAsync(arguments);
            case "starts": return await StartsFigure.RunAsync(arguments);
            case "calls": return await GrainCallFigure.RunAsync(arguments);
            case "heap": return await HeapFigure.RunAsync(arguments);
            case "writes": return await WritesFigure.RunAsync(arguments);
            case "write-profile": return await WriteProfile.RunAsync(arguments);
            case "preferences": return await PreferenceFigure.RunAsync(arguments);
            case "roster": return await RosterFigure.RunAsync(arguments);
            case "teams": return await TeamPushFigure.RunAsync(arguments);
            case "feed": return await FeedFigure.RunAsync(arguments);
            case "cluster": return await ClusterFigure.RunAsync(arguments);
            case "bare-kestrel": return await BareKestrel.RunAsync(arguments);
#if BENCH_PEERS
            case "peer-storm": return await PeerStormFigure.RunAsync(arguments);
#endif
            default:
                Console.Error.WriteLine($"suite: unknown verb '{verb}': run, million, storm, starts, calls, heap, writes, write-profile, preferences, roster, teams, feed, cluster, bare-kestrel");
                return 2;
        }
    }
}
