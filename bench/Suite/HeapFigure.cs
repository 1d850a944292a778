using System.Diagnostics;
using WorkSessions.Contracts;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// The managed heap with N open sessions, in a fresh process per point, after the roster's batched write has run and
/// after a full, blocking, compacting collection. The suite reports (heap at N − heap at 0) / N from the same run.
/// </summary>
internal static class HeapFigure
{
    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var sessions = arguments.Int("--sessions", 0);
        await using var silo = await BenchSilo.StartAsync(arguments.Value("--postgres"));
        var tenant = await silo.NewTenantAsync("heap", autoEnd: false, 3600, 600);
        await silo.Grains.GetTenantGrain(tenant).GetRosterPage(null, 1);
        var starts = await BenchSilo.ForAllAsync(sessions, 64, i => silo.Agent(tenant, i).StartSession(AgentStatus.Ready, null));
        // The tenant writes its roster in batches (WorkSessions:RosterWriteDelay, 5 s): let the last batch land.
        await Task.Delay(TimeSpan.FromSeconds(arguments.Int("--settle", 6)));
        var heap = FullyCollectedHeap();
        Measure.Report("heap.bytes", heap);
        Measure.Report("heap.working_set_bytes", Process.GetCurrentProcess().WorkingSet64);
        Measure.Log($"heap: {sessions:N0} sessions (started in {starts.TotalSeconds:N1} s), managed heap {heap / 1048576.0:N1} MiB");
        return 0;
    }

    public static long FullyCollectedHeap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }
}
