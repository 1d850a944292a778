using System.Diagnostics;
using WorkSessions.Contracts;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// The heartbeat as a grain call (<c>RecordActivity</c> on an agent with an open session) against an empty grain
/// call, from 64 callers over 10,000 keys each, in the same process: empty, heartbeat, empty, heartbeat, each for
/// half the time, so a noisy neighbour weighs on both alike. The references are made beforehand for both, so the figure
/// compares the calls: Orleans' <c>GetGrain&lt;T&gt;(key)</c> resolves the interface through reflection on every call,
/// which the product's own accessors avoid (<c>GrainReferences</c>), and a baseline paying it would flatter the heartbeat.
/// </summary>
internal static class GrainCallFigure
{
    private const int Callers = 64;

    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var keys = arguments.Int("--keys", 10_000);
        var seconds = arguments.Int("--seconds", 10);
        await using var silo = await BenchSilo.StartAsync(arguments.Value("--postgres"));
        var tenant = await silo.NewTenantAsync("calls", autoEnd: false, 3600, 600);
        await BenchSilo.ForAllAsync(keys, Callers, i => silo.Agent(tenant, i).StartSession(AgentStatus.Ready, null));
        var emptyGrains = Enumerable.Range(0, keys).Select(i => silo.Grains.GetGrain<IEmptyGrain>($"{tenant}/agent-{i}")).ToArray();
        var agents = Enumerable.Range(0, keys).Select(i => silo.Agent(tenant, i)).ToArray();
        await BenchSilo.ForAllAsync(keys, Callers, i => emptyGrains[i].Ping());

        var half = TimeSpan.FromSeconds(seconds / 2.0);
        long heartbeats = 0, empties = 0;
        double heartbeatSeconds = 0, emptySeconds = 0;
        // A short warm-up of both, unmeasured.
        await LoopAsync(TimeSpan.FromSeconds(0.5), keys, i => emptyGrains[i].Ping());
        await LoopAsync(TimeSpan.FromSeconds(0.5), keys, i => agents[i].RecordActivity());
        for (var round = 0; round < 2; round++)
        {
            var (count, elapsed) = await LoopAsync(half, keys, i => emptyGrains[i].Ping());
            empties += count;
            emptySeconds += elapsed.TotalSeconds;
            (count, elapsed) = await LoopAsync(half, keys, i => agents[i].RecordActivity());
            heartbeats += count;
            heartbeatSeconds += elapsed.TotalSeconds;
        }

        Measure.Report("calls.heartbeat_per_s", heartbeats / heartbeatSeconds);
        Measure.Report("calls.empty_per_s", empties / emptySeconds);
        Measure.Log($"calls: RecordActivity {heartbeats / heartbeatSeconds:N0}/s, empty {empties / emptySeconds:N0}/s ({Callers} callers, {keys:N0} keys)");
        return 0;
    }

    private static async Task<(long Count, TimeSpan Elapsed)> LoopAsync(TimeSpan duration, int keys, Func<int, Task> call)
    {
        long count = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller);
            long mine = 0;
            while (watch.Elapsed < duration)
            {
                await call(random.Next(keys));
                mine++;
            }

            Interlocked.Add(ref count, mine);
        })));
        return (count, watch.Elapsed);
    }
}
