using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using WorkSessions.Contracts;
using WorkSessions.Storage.Tests.Infrastructure;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// The outbox's promise with real silo processes (docs/architecture.md#reporting): a crash or an outage of the report
/// tables delays records and never loses or duplicates one, and never fails a command or a heartbeat. The report table
/// is made to fail by renaming it away behind the silo's back, which leaves grain state and reminders working.
/// </summary>
public sealed class ReportDeliveryFaultTests(PostgresTarget postgres) : IClassFixture<PostgresTarget>, IDisposable
{
    /// <summary>Generous: a silo process starts, or a wake-up reminder (one-minute period) fires, within this on a loaded machine.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-outbox-").FullName;

    [Fact]
    public async Task Sigkill_WithUndeliveredOutboxes_EveryRecordArrivesExactlyOnceAfterTheRestart()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "sqlite",
            ["Storage:ConnectionString"] = $"Data Source={Path.Combine(_directory, "data", "work-sessions.db")}",
        };
        var arguments = Arguments(settings);
        var tenantId = TestIds.NewTenantId();
        const int Ended = 40;
        const int Open = 10;

        await using (var first = await SiloProcess.StartAsync(_directory, arguments))
        {
            using var client = await first.ConnectClientAsync();
            var grains = client.Services.GetRequiredService<IClusterClient>();
            await grains.GetTenantGrain(tenantId).UpdatePreferences(new WorkSessionPreferences(true, false, 60, 30), null, "admin-1");
            await Eventually.UntilAsync(() => CountAsync(settings, "ws_events", tenantId), count => count == 1, Bound, "the preference change");

            await ExecuteAsync(settings, "ALTER TABLE ws_events RENAME TO ws_events_away");
            await RunLifecyclesAsync(grains, tenantId, Ended, Open, heartbeats: null);

            // Nothing of the burst has arrived: it is all in the grains' stored outboxes when the process dies.
            Assert.Equal(1, await CountAsync(settings, "ws_events_away", tenantId));
            await first.KillAsync();
        }

        await ExecuteAsync(settings, "ALTER TABLE ws_events_away RENAME TO ws_events");
        await using var second = await SiloProcess.StartAsync(_directory, arguments);

        // Nobody calls the agents again: their wake-up reminders bring the records.
        await AssertEveryRecordOnceAsync(settings, tenantId, Ended, Open, second);
    }

    [Fact]
    public async Task ReportTablesDown_During200Lifecycles_NoHeartbeatFails_AndEveryRecordArrivesExactlyOnce()
    {
        var settings = await postgres.CreateDatabaseAsync();
        var arguments = Arguments(settings);
        var tenantId = TestIds.NewTenantId();
        const int Ended = 200;
        const int Open = 20;

        await using var silo = await SiloProcess.StartAsync(_directory, arguments);
        using var client = await silo.ConnectClientAsync();
        var grains = client.Services.GetRequiredService<IClusterClient>();
        await grains.GetTenantGrain(tenantId).UpdatePreferences(new WorkSessionPreferences(true, false, 60, 30), null, "admin-1");
        await Eventually.UntilAsync(() => CountAsync(settings, "ws_events", tenantId), count => count == 1, Bound, "the preference change");

        var heartbeats = new HeartbeatTally();
        await ExecuteAsync(settings, "ALTER TABLE ws_events RENAME TO ws_events_away");
        try
        {
            await RunLifecyclesAsync(grains, tenantId, Ended, Open, heartbeats);
            Assert.Equal(1, await CountAsync(settings, "ws_events_away", tenantId));
        }
        finally
        {
            await ExecuteAsync(settings, "ALTER TABLE ws_events_away RENAME TO ws_events");
        }

        Assert.Equal((Ended * 2 + Open, 0), (heartbeats.Succeeded, heartbeats.Failed));
        await AssertEveryRecordOnceAsync(settings, tenantId, Ended, Open, silo);
    }

    [Fact]
    public async Task SeparateReportDatabaseDown_CommandsAndHeartbeatsGoOn_AndEveryRecordArrivesExactlyOnce()
    {
        var settings = await postgres.CreateDatabaseAsync();
        var reportSettings = await postgres.CreateDatabaseAsync();
        var reportDatabase = new Npgsql.NpgsqlConnectionStringBuilder(reportSettings["Storage:ConnectionString"]).Database!;
        string[] arguments = [.. Arguments(settings), $"--Reporting:ConnectionString={reportSettings["Storage:ConnectionString"]}"];
        var tenantId = TestIds.NewTenantId();
        const int Ended = 50;
        const int Open = 10;

        await using var silo = await SiloProcess.StartAsync(_directory, arguments);
        using var client = await silo.ConnectClientAsync();
        var grains = client.Services.GetRequiredService<IClusterClient>();
        await grains.GetTenantGrain(tenantId).UpdatePreferences(new WorkSessionPreferences(true, false, 60, 30), null, "admin-1");
        await Eventually.UntilAsync(() => CountAsync(reportSettings, "ws_events", tenantId), count => count == 1, Bound, "the preference change");
        Assert.Equal(0, await CountAsync(settings, "ws_events", tenantId));

        // The report database refuses connections and drops the ones it has: a database down, grain state untouched.
        var heartbeats = new HeartbeatTally();
        await ExecuteAsync(settings, $"ALTER DATABASE \"{reportDatabase}\" WITH ALLOW_CONNECTIONS false");
        await ExecuteAsync(settings, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{reportDatabase}'");
        try
        {
            await RunLifecyclesAsync(grains, tenantId, Ended, Open, heartbeats);
        }
        finally
        {
            await ExecuteAsync(settings, $"ALTER DATABASE \"{reportDatabase}\" WITH ALLOW_CONNECTIONS true");
        }

        Assert.Equal((Ended * 2 + Open, 0), (heartbeats.Succeeded, heartbeats.Failed));
        Assert.True(silo.Output.Contains("Report delivery failed", StringComparison.Ordinal), $"The outage went unnoticed; the silo's output:\n{silo.Output}");
        // Every transition is in the log with its agent key, status changes too.
        Assert.Contains($"Agent {AgentKey.Format(tenantId, "agent-000")} status Ready → NotReady (meeting) by Agent", silo.Output, StringComparison.Ordinal);
        await AssertEveryRecordOnceAsync(reportSettings, tenantId, Ended, Open, silo);
        Assert.Equal(0, await CountAsync(settings, "ws_events", tenantId));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    private static string[] Arguments(IReadOnlyDictionary<string, string?> settings) =>
    [
        $"--Storage:Provider={settings["Storage:Provider"]}",
        $"--Storage:ConnectionString={settings["Storage:ConnectionString"]}",
        "--Reporting:MaxRetryDelay=00:00:02",
    ];

    /// <summary>
    /// <paramref name="ended"/> agents: start, not ready, heartbeat, end (5 events each); <paramref name="open"/> more that
    /// only start and beat (2 events each).
    /// </summary>
    private static async Task RunLifecyclesAsync(IClusterClient grains, string tenantId, int ended, int open, HeartbeatTally? heartbeats)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, ended + open), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var agentId = $"agent-{i:D3}";
            var agent = grains.GetAgentGrain(tenantId, agentId);
            await agent.StartSession(AgentStatus.Ready, null);
            await Beat(agent, heartbeats);
            if (i < ended)
            {
                await agent.SetStatus(AgentStatus.NotReady, "meeting");
                await Beat(agent, heartbeats);
                await agent.EndSession(Actor.Agent(agentId), null);
            }
        });
    }

    private static async Task Beat(IAgentGrain agent, HeartbeatTally? tally)
    {
        try
        {
            await agent.RecordActivity();
            tally?.Success();
        }
        catch (Exception) when (tally is not null)
        {
            tally.Failure();
        }
    }

    private async Task AssertEveryRecordOnceAsync(IReadOnlyDictionary<string, string?> settings, string tenantId, int ended, int open, SiloProcess silo)
    {
        var expected = 1 + ended * 5 + open * 2;
        var arrived = await Eventually.UntilAsync(
            () => CountAsync(settings, "ws_events", tenantId), count => count >= expected, Bound,
            $"all {expected} events; the silo's output:\n{silo.Output}", poll: TimeSpan.FromSeconds(1));
        Assert.Equal(expected, arrived);
        Assert.Equal(expected, await ScalarAsync(settings, $"SELECT COUNT(DISTINCT event_id) FROM ws_events WHERE tenant_id = '{tenantId}'"));
        Assert.Equal(ended + open, await ScalarAsync(settings, $"SELECT COUNT(*) FROM ws_events WHERE tenant_id = '{tenantId}' AND kind = 'session-started'"));
        Assert.Equal(ended, await ScalarAsync(settings, $"SELECT COUNT(*) FROM ws_events WHERE tenant_id = '{tenantId}' AND kind = 'session-ended'"));
        Assert.Equal(ended * 3 + open, await ScalarAsync(settings, $"SELECT COUNT(*) FROM ws_events WHERE tenant_id = '{tenantId}' AND kind = 'status-changed'"));
        Assert.Equal(ended + open, await CountAsync(settings, "ws_sessions", tenantId));
        Assert.Equal(ended, await ScalarAsync(settings, $"SELECT COUNT(*) FROM ws_sessions WHERE tenant_id = '{tenantId}' AND ended_at_ticks IS NOT NULL AND end_reason = 'agentEnded'"));
    }

    private static Task<long> CountAsync(IReadOnlyDictionary<string, string?> settings, string table, string tenantId) =>
        ScalarAsync(settings, $"SELECT COUNT(*) FROM {table} WHERE tenant_id = '{tenantId}'");

    private static async Task<long> ScalarAsync(IReadOnlyDictionary<string, string?> settings, string sql)
    {
        await using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(IReadOnlyDictionary<string, string?> settings, string sql)
    {
        await using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private sealed class HeartbeatTally
    {
        private int _succeeded;
        private int _failed;

        public int Succeeded => Volatile.Read(ref _succeeded);

        public int Failed => Volatile.Read(ref _failed);

        public void Success() => Interlocked.Increment(ref _succeeded);

        public void Failure() => Interlocked.Increment(ref _failed);
    }
}
