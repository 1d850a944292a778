using WorkSessions.Contracts;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// Session starts per second on SQLite (64 callers, fresh agents), beside the baseline of activating as many fresh
/// empty grains: the Orleans activation is the part of a start no storage choice removes, so the ratio shows what the
/// start's own work (its state write, its wake-up reminder, the roster) costs on top.
/// </summary>
internal static class StartsFigure
{
    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var agents = arguments.Int("--agents", 10_000);
        await using var silo = await BenchSilo.StartAsync(arguments.Value("--postgres"));
        var tenant = await silo.NewTenantAsync("starts", autoEnd: false, 3600, 600);
        // Warm-up: the code paths JIT-compiled and the tenant grain active, on agents outside the measured ones.
        await BenchSilo.ForAllAsync(200, 64, i => silo.Agent(tenant, agents + i).StartSession(AgentStatus.Ready, null));
        await BenchSilo.ForAllAsync(200, 64, i => silo.Grains.GetGrain<IEmptyGrain>($"warm/{i}").Ping());

        var empty = await BenchSilo.ForAllAsync(agents, 64, i => silo.Grains.GetGrain<IEmptyGrain>($"{tenant}/agent-{i}").Ping());
        var starts = await BenchSilo.ForAllAsync(agents, 64, i => silo.Agent(tenant, i).StartSession(AgentStatus.Ready, null));
        Measure.Report("starts.per_s", agents / starts.TotalSeconds);
        Measure.Report("starts.empty_activations_per_s", agents / empty.TotalSeconds);
        Measure.Log($"starts: {agents:N0} sessions in {starts.TotalSeconds:N2} s; {agents:N0} empty activations in {empty.TotalSeconds:N2} s ({silo.StorageName})");
        return 0;
    }
}
