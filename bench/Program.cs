// The benchmark suite (bench/Suite; bash bench/run.sh runs it, bench/RESULTS.md says how it measures each figure):
//   suite run [--quick] [--runs N] [--no-write] ...   every figure, each in a fresh process of its own
//   suite VERB ...                                    one figure's process (storm, starts, calls, heap, ...)
// Usage: dotnet bench/bin/Release/net10.0/WorkSessions.Bench.dll suite [VERB] [options]
if (args is ["suite", .. var suiteArgs])
{
    return await WorkSessions.Bench.Suite.SuiteCommand.RunAsync(suiteArgs);
}

Console.Error.WriteLine("usage: WorkSessions.Bench suite [run|million|storm|starts|calls|heap|writes|preferences|roster|feed|bare-kestrel|peer-storm] [options] (bench/RESULTS.md)");
return 2;
