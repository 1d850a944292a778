using Microsoft.Extensions.DependencyInjection;
using WorkSessions.Contracts;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// A silo that stops with open sessions stops quietly (docs/architecture.md#timers-and-reminders): the agents it
/// deactivates tell their wake shards they went away only while some silo can still host a shard. The last silo of a
/// cluster (here the only one) has none left, and every such message would fail to be addressed and be logged, one
/// warning per agent — tens of thousands in a large deployment's restart. Nothing is lost by not sending them: the
/// shards' rows are stored, and a shard that activates again asks every member of its range where it runs.
/// </summary>
public sealed class QuietShutdownTests : IDisposable
{
    /// <summary>Generous: a silo process starts or stops within this on a loaded machine.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private const int Agents = 40;

    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-quiet-stop-").FullName;

    [Fact]
    public async Task OnlySilo_StoppedBySigtermWithOpenSessions_LogsNoUndeliverableWakeShardMessage()
    {
        var tenantId = TestIds.NewTenantId();
        await using var silo = await SiloProcess.StartAsync(
            _directory,
            "--Storage:Provider=sqlite",
            $"--Storage:ConnectionString=Data Source={Path.Combine(_directory, "data", "work-sessions.db")}");
        using (var client = await silo.ConnectClientAsync())
        {
            var grains = client.Services.GetRequiredService<IClusterClient>();
            // Auto-end on with a long timeout: every agent goes away with a deadline armed, so each would want a wake.
            await grains.GetTenantGrain(tenantId).UpdatePreferences(new WorkSessionPreferences(true, true, 3600, 300), null, "admin-1");
            await Task.WhenAll(Enumerable.Range(0, Agents).Select(i =>
                grains.GetGrain<IAgentGrain>(AgentKey.Format(tenantId, $"agent-{i}")).StartSession(AgentStatus.Ready, null)));
        }

        Assert.Equal(0, await silo.TerminateAsync(Bound));

        var wakeShardWarnings = silo.Output.Split('\n')
            .Where(line => line.Contains("wake-shard", StringComparison.Ordinal) || line.Contains("Failed to address message", StringComparison.Ordinal))
            .ToList();
        Assert.True(wakeShardWarnings.Count == 0, $"{wakeShardWarnings.Count} lines about wake-shard messages while stopping. The silo's output:\n{silo.Output}");
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
