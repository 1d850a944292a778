using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using WorkSessions.Contracts;
using WorkSessions.Domain;
using WorkSessions.Storage.Tests.Infrastructure;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// The single-node product as an operator runs it: one silo process on a SQLite file. Real processes and real
/// time, with the minimums lowered so that a whole inactivity timeout plus grace period takes seconds.
/// </summary>
public sealed class SiloProcessRestartTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-restart-").FullName;

    [Fact]
    public async Task OpenSession_SurvivesSigkill_AndItsDeadlineStillFiresAfterRestart()
    {
        string[] arguments =
        [
            "--Storage:Provider=sqlite",
            $"--Storage:ConnectionString=Data Source={Path.Combine(_directory, "data", "work-sessions.db")}",
            "--WorkSessions:MinimumInactivityTimeoutSeconds=1",
            "--WorkSessions:MinimumGracePeriodSeconds=1",
        ];
        var tenantId = TestIds.NewTenantId();
        var agentKey = AgentKey.Format(tenantId, "agent-1");
        Guid sessionId;

        await using (var first = await SiloProcess.StartAsync(_directory, arguments))
        {
            using (var client = await first.ConnectClientAsync())
            {
                var grains = client.Services.GetRequiredService<IClusterClient>();
                await grains.GetTenantGrain(tenantId).UpdatePreferences(new WorkSessionPreferences(true, true, 4, 2), null, "admin-1");
                var started = await grains.GetGrain<IAgentGrain>(agentKey).StartSession(AgentStatus.Ready, null);
                Assert.True(started.Created);
                sessionId = started.View.Session!.SessionId;
            }

            await first.KillAsync();
        }

        await using var second = await SiloProcess.StartAsync(_directory, arguments);
        using var secondClient = await second.ConnectClientAsync();
        var agent = secondClient.Services.GetRequiredService<IClusterClient>().GetGrain<IAgentGrain>(agentKey);

        var recovered = await agent.GetSnapshot();
        Assert.Equal(sessionId, recovered.Session?.SessionId);

        // After the restart the agent gets the full timeout again (docs/architecture.md#recovery-rule), is prompted, then auto-ended.
        // The silo logs the prompt and the end in the turns that applied them: a call after the end's line sees it.
        var ended = $"ended session {sessionId}: {EndReason.InactivityTimeout}";
        Assert.True(
            await second.WaitForOutputAsync(ended, TimeSpan.FromSeconds(30)),
            $"The silo did not log the end of session {sessionId} for inactivity. Its output:\n{second.Output}");
        var view = await agent.GetSnapshot();
        Assert.Null(view.Session);

        var output = second.Output;
        var prompted = output.IndexOf($"Agent {agentKey} warned", StringComparison.Ordinal);
        Assert.True(prompted >= 0 && prompted < output.IndexOf(ended, StringComparison.Ordinal), "the session ended without a prompt first");
        Assert.Equal(AgentStatus.Offline, view.Status);
    }

    [Fact]
    public async Task TwoProcessesOnOneSqliteFile_WriteAtTheSameTime_WithoutErrors()
    {
        var connectionString = $"Data Source={Path.Combine(_directory, "data", "shared.db")}";
        await using var product = await SiloProcess.StartAsync(_directory, "--Storage:Provider=sqlite", $"--Storage:ConnectionString={connectionString}");
        var settings = new Dictionary<string, string?> { ["Storage:Provider"] = "sqlite", ["Storage:ConnectionString"] = connectionString };
        await using var other = await TestSilo.StartAsync(settings, serviceId: "other-process", clusterId: "other-process");
        using var client = await product.ConnectClientAsync();
        var grains = client.Services.GetRequiredService<IClusterClient>();
        var tenantId = TestIds.NewTenantId();
        await grains.GetTenantGrain(tenantId).UpdatePreferences(new WorkSessionPreferences(true, false, 1800, 180), null, "admin-1");

        var sessions = Enumerable.Range(0, 40).Select(i =>
            grains.GetAgentGrain(tenantId, $"agent-{i}").StartSession(AgentStatus.Ready, null));
        var writes = Enumerable.Range(0, 200).Select(i => other.GrainStorage.WriteStateAsync(
            StateNames.Agent,
            GrainId.Create("agent", AgentKey.Format(tenantId, $"other-{i}")),
            new GrainState<AgentGrainState>(new AgentGrainState { Agent = new AgentState { Status = AgentStatus.Ready } })));
        await Task.WhenAll([.. sessions, .. writes]);

        await using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT service_id, count(*) FROM orleans_grain_state WHERE grain_type = 'agent' GROUP BY service_id ORDER BY service_id";
        await using var rows = await count.ExecuteReaderAsync();
        var perService = new Dictionary<string, long>();
        while (await rows.ReadAsync())
        {
            perService[rows.GetString(0)] = rows.GetInt64(1);
        }

        Assert.Equal(200, perService.GetValueOrDefault("other-process"));
        Assert.Equal(40, perService.GetValueOrDefault(SiloProcess.ServiceId));
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
}
