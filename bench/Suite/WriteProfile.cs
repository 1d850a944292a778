using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using WorkSessions.Contracts;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// Where a transition's bytes and CPU go on the write path: <c>suite write-profile [--iterations N]</c>. A few agents
/// are warned for real (SQLite, reporting on), one warned agent's stored row is read back, and then, one at a time on
/// one thread, the loop measures (1) serialising that state with the silo's grain-storage serializer, (2) reading it
/// back, (3) a whole state write through the silo's grain storage (serialising, the writer's queue, the commit;
/// the writer thread's bytes counted too). Allocation counts do not depend on load; the µs figures on a busy machine do.
/// </summary>
internal static class WriteProfile
{
    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var iterations = arguments.Int("--iterations", 5000);
        await using var silo = await BenchSilo.StartAsync(postgres: null);
        var tenant = await silo.NewTenantAsync("profile", autoEnd: true, 1, 600);
        const int agents = 8;
        await BenchSilo.ForAllAsync(agents, agents, i => silo.Agent(tenant, i).StartSession(AgentStatus.Ready, null));
        var waited = Stopwatch.StartNew();
        while ((await silo.Agent(tenant, 0).GetSnapshot()).State != SessionState.Warned && waited.Elapsed < TimeSpan.FromMinutes(1))
        {
            await Task.Delay(200);
        }

        // The stored row of a warned agent: the state a warning writes (its outbox holds what is not yet known delivered).
        await Task.Delay(TimeSpan.FromSeconds(2));
        var payload = await ReadPayloadAsync(silo.SqlitePath!, AgentKey.Format(tenant, "agent-0"));
        Measure.Log($"write-profile: a warned agent's stored state is {payload.Length:N0} bytes:\n{System.Text.Encoding.UTF8.GetString(payload)}");
        Measure.Report("write_profile.state_bytes", payload.Length);

        var serializer = silo.Services.GetRequiredService<IGrainStorageSerializer>();
        var state = serializer.Deserialize<AgentGrainState>(new BinaryData(payload));

        var serialize = Loop(iterations, () => serializer.Serialize(state).ToArray());
        Report("serialize", serialize);
        var deserialize = Loop(iterations, () => serializer.Deserialize<AgentGrainState>(new BinaryData(payload)));
        Report("deserialize", deserialize);

        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.WorkSessions);
        var grainId = GrainId.Create("agent", AgentKey.Format(tenant, "profile-writer"));
        var grainState = new GrainState<AgentGrainState>(state);
        await storage.WriteStateAsync(StateNames.Agent, grainId, grainState);
        var write = await LoopAsync(iterations, () => storage.WriteStateAsync(StateNames.Agent, grainId, grainState));
        Report("write", write);
        return 0;
    }

    private static void Report(string name, (double Bytes, double Microseconds) cost)
    {
        Measure.Report($"write_profile.{name}.bytes_each", cost.Bytes);
        Measure.Report($"write_profile.{name}.us_each", cost.Microseconds);
        Measure.Log($"write-profile: {name}: {cost.Bytes:N0} B, {cost.Microseconds:N1} µs each");
    }

    private static (double Bytes, double Microseconds) Loop(int iterations, Action work)
    {
        work();
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            work();
        }

        return ((GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)iterations, watch.Elapsed.TotalMicroseconds / iterations);
    }

    private static async Task<(double Bytes, double Microseconds)> LoopAsync(int iterations, Func<Task> work)
    {
        // Every thread's bytes: the writer's thread does part of each write. The idle silo's own allocations are small
        // beside thousands of writes, and count as they would in a storm.
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            await work();
        }

        return ((GC.GetTotalAllocatedBytes(precise: true) - bytes) / (double)iterations, watch.Elapsed.TotalMicroseconds / iterations);
    }

    private static async Task<byte[]> ReadPayloadAsync(string sqlitePath, string agentKey)
    {
        await using var connection = new SqliteConnection($"Data Source={sqlitePath};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM orleans_grain_state WHERE grain_type = 'agent' AND grain_id_extension = @Key";
        command.Parameters.AddWithValue("@Key", agentKey);
        return (byte[])(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"No stored state for {agentKey}."));
    }
}
