using Microsoft.Data.Sqlite;
using WorkSessions.Contracts;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// Storage writes per heartbeat, counted in the database itself (SQLite): every grain-state and reminder write of the
/// Orleans ADO.NET providers increments its row's <c>version</c>, and every report row is a row of its own, so
/// Σ version + report rows before and after N heartbeats counts every write they caused. The baseline is the same
/// count over status changes (each a transition that must write), which shows the counter sees writes.
/// </summary>
internal static class WritesFigure
{
    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var agents = arguments.Int("--agents", 1000);
        var heartbeats = arguments.Int("--heartbeats", 100_000);
        await using var silo = await BenchSilo.StartAsync(postgres: null);
        var tenant = await silo.NewTenantAsync("writes", autoEnd: false, 3600, 600);
        await BenchSilo.ForAllAsync(agents, 64, i => silo.Agent(tenant, i).StartSession(AgentStatus.Ready, null));
        // The roster's batched write (5 s) and the start events' delivery settle first.
        await Task.Delay(TimeSpan.FromSeconds(arguments.Int("--settle", 6)));

        var before = await CountWritesAsync(silo.SqlitePath!);
        await BenchSilo.ForAllAsync(heartbeats, 64, i => silo.Agent(tenant, i % agents).RecordActivity());
        await Task.Delay(TimeSpan.FromSeconds(1));
        var afterHeartbeats = await CountWritesAsync(silo.SqlitePath!);

        var changes = Math.Min(agents, 1000);
        await BenchSilo.ForAllAsync(changes, 64, i => silo.Agent(tenant, i).SetStatus(AgentStatus.NotReady, "break"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var afterChanges = await CountWritesAsync(silo.SqlitePath!);

        Measure.Report("writes.per_heartbeat", (double)(afterHeartbeats - before) / heartbeats);
        Measure.Report("writes.per_status_change", (double)(afterChanges - afterHeartbeats) / changes);
        Measure.Log($"writes: {afterHeartbeats - before} over {heartbeats:N0} heartbeats; {afterChanges - afterHeartbeats} over {changes:N0} status changes");
        return 0;
    }

    private static async Task<long> CountWritesAsync(string sqlitePath)
    {
        await using var connection = new SqliteConnection($"Data Source={sqlitePath};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT (SELECT COALESCE(SUM(version), 0) FROM orleans_grain_state)
                 + (SELECT COALESCE(SUM(version), 0) FROM orleans_reminders)
                 + (SELECT COUNT(*) FROM ws_events)
                 + (SELECT COUNT(*) FROM ws_sessions)
            """;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
