using Microsoft.Extensions.DependencyInjection;
using WorkSessions.Contracts;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// The recovery rule (docs/architecture.md#recovery-rule) after a graceful stop: "no agent is logged out because the platform was down", for a
/// deploy (SIGTERM) as for a crash. One silo process on a SQLite file, stopped with SIGTERM while a deadline is
/// running and restarted after that deadline has passed. Real processes and real time, with the minimums
/// lowered so the timeouts take seconds.
/// </summary>
public sealed class GracefulStopRecoveryTests : IDisposable
{
    /// <summary>Generous: a silo process starts, stops or reaches a state within this on a loaded machine.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>How far past a deadline the downtime lasts, so the deadline has certainly passed while no silo ran.</summary>
    private static readonly TimeSpan PastDeadline = TimeSpan.FromSeconds(2);

    /// <summary>Timestamps come from the same clock in both processes; this only absorbs rounding.</summary>
    private static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(1);

    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-sigterm-").FullName;

    private string[] Arguments =>
    [
        "--Storage:Provider=sqlite",
        $"--Storage:ConnectionString=Data Source={Path.Combine(_directory, "data", "work-sessions.db")}",
        "--WorkSessions:MinimumInactivityTimeoutSeconds=1",
        "--WorkSessions:MinimumGracePeriodSeconds=1",
    ];

    [Fact]
    public async Task WarnedAgent_WhoseGraceRanOutWhileStoppedBySigterm_IsPromptedAgainWithAFullGracePeriod()
    {
        var preferences = new WorkSessionPreferences(true, true, InactivityTimeoutSeconds: 2, GracePeriodSeconds: 6);
        var tenantId = TestIds.NewTenantId();
        var agentKey = AgentKey.Format(tenantId, "agent-1");
        Guid sessionId;
        PromptView oldPrompt;

        await using (var first = await SiloProcess.StartAsync(_directory, Arguments))
        {
            using (var client = await first.ConnectClientAsync())
            {
                var grains = client.Services.GetRequiredService<IClusterClient>();
                await grains.GetTenantGrain(tenantId).UpdatePreferences(preferences, null, "admin-1");
                var agent = grains.GetGrain<IAgentGrain>(agentKey);
                sessionId = (await agent.StartSession(AgentStatus.Ready, null)).View.Session!.SessionId;
                // The silo logs the prompt in the turn that applied it: a call after the line sees it.
                Assert.True(await first.WaitForOutputAsync($"Agent {agentKey} warned", Bound), $"No inactivity prompt. The silo's output:\n{first.Output}");
                var warned = await agent.GetSnapshot();
                Assert.Equal(SessionState.Warned, warned.State);
                oldPrompt = warned.Prompt!;
            }

            Assert.Equal(0, await first.TerminateAsync(Bound));
            Assert.False(
                first.Output.Contains($"ended session {sessionId}", StringComparison.Ordinal),
                $"The grace period ran out before the silo had stopped, so this run tests nothing; its output:\n{first.Output}");
        }

        await Eventually.UntilAsync(() => DateTimeOffset.UtcNow > oldPrompt.Deadline + PastDeadline, Bound, "the old grace deadline to pass");
        var restartedAt = DateTimeOffset.UtcNow;
        await using var second = await SiloProcess.StartAsync(_directory, Arguments);
        using var secondClient = await second.ConnectClientAsync();
        var recovered = secondClient.Services.GetRequiredService<IClusterClient>().GetGrain<IAgentGrain>(agentKey);

        var view = await recovered.GetSnapshot();

        Assert.True(view.Session is not null, $"The session was ended after the graceful stop. The restarted silo's output:\n{second.Output}");
        Assert.Equal(sessionId, view.Session.SessionId);
        Assert.Equal(SessionState.Warned, view.State);
        var prompt = view.Prompt!;
        Assert.True(prompt.WarnedAt >= restartedAt - ClockTolerance, $"prompted at {prompt.WarnedAt:O}, before the restart at {restartedAt:O}");
        Assert.Equal(preferences.GracePeriod, prompt.Deadline - prompt.WarnedAt);

        var continued = await recovered.Continue();
        Assert.Equal(SessionState.Active, continued.State);
        Assert.Equal(sessionId, continued.Session?.SessionId);
    }

    [Fact]
    public async Task ActiveAgent_WhoseTimeoutRanOutWhileStoppedBySigterm_IsNotPromptedOnRestart()
    {
        var preferences = new WorkSessionPreferences(true, true, InactivityTimeoutSeconds: 8, GracePeriodSeconds: 30);
        var tenantId = TestIds.NewTenantId();
        var agentKey = AgentKey.Format(tenantId, "agent-1");
        SessionView session;

        await using (var first = await SiloProcess.StartAsync(_directory, Arguments))
        {
            using (var client = await first.ConnectClientAsync())
            {
                var grains = client.Services.GetRequiredService<IClusterClient>();
                await grains.GetTenantGrain(tenantId).UpdatePreferences(preferences, null, "admin-1");
                var started = await grains.GetGrain<IAgentGrain>(agentKey).StartSession(AgentStatus.Ready, null);
                Assert.Equal(SessionState.Active, started.View.State);
                session = started.View.Session!;
            }

            Assert.Equal(0, await first.TerminateAsync(Bound));
            Assert.False(
                first.Output.Contains($"Agent {agentKey} warned", StringComparison.Ordinal),
                $"The inactivity timeout ran out before the silo had stopped, so this run tests nothing; its output:\n{first.Output}");
        }

        var inactivityDeadline = session.LastActivityAt + preferences.InactivityTimeout;
        await Eventually.UntilAsync(() => DateTimeOffset.UtcNow > inactivityDeadline + PastDeadline, Bound, "the inactivity deadline to pass");
        var restartedAt = DateTimeOffset.UtcNow;
        await using var second = await SiloProcess.StartAsync(_directory, Arguments);
        using var secondClient = await second.ConnectClientAsync();

        var view = await secondClient.Services.GetRequiredService<IClusterClient>().GetGrain<IAgentGrain>(agentKey).GetSnapshot();

        Assert.Equal(session.SessionId, view.Session?.SessionId);
        Assert.Equal(SessionState.Active, view.State);
        Assert.Null(view.Prompt);
        Assert.True(
            view.Session!.LastActivityAt >= restartedAt - ClockTolerance,
            $"last activity {view.Session.LastActivityAt:O} is before the restart at {restartedAt:O}: the restart did not count as activity");
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
