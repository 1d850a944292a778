using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using WorkSessions.Contracts;
using WorkSessions.TestSupport;
using Xunit.Abstractions;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// The cluster deployment on one machine: the real silo process (<c>src/Silo</c>) on a SQLite file, and a Gateway with
/// <c>Orleans:Mode=client</c> that finds it at its gateway port. Real time: the agent grains live in the other process.
/// </summary>
public sealed class ClientModeFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-client-mode-").FullName;

    /// <summary>The silo process's SQLite file.</summary>
    public string DatabasePath => Path.Combine(_directory, "work-sessions.db");

    public SiloProcess Silo { get; private set; } = null!;

    public TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        try
        {
            var clusterId = "client-mode-" + Guid.NewGuid().ToString("N")[..8];
            var database = $"Data Source={DatabasePath}";
            Silo = await SiloProcess.StartAsync(
                _directory,
                "--Storage:Provider=sqlite",
                $"--Storage:ConnectionString={database}",
                $"--Orleans:ClusterId={clusterId}",
                "--WorkSessions:MinimumInactivityTimeoutSeconds=1",
                "--WorkSessions:MinimumGracePeriodSeconds=1");
            Gateway = new TestGateway(configure: settings =>
            {
                settings["Orleans:Mode"] = "client";
                settings["Orleans:ClusterId"] = clusterId;
                settings["Orleans:GatewayPort"] = Silo.GatewayPort.ToString(CultureInfo.InvariantCulture);
                settings.Remove("Orleans:SiloPort");
                settings["Storage:Provider"] = "sqlite";
                settings["Storage:ConnectionString"] = database;
            });
            Gateway.Start();
            // The client connects in the background; the tests start from a connected Gateway.
            await Gateway.Services.GetRequiredService<WorkSessions.Hosting.ClusterConnection>().Connected.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (Gateway is not null)
            {
                await Gateway.DisposeAsync();
            }
        }
        finally
        {
            try
            {
                if (Silo is not null)
                {
                    await Silo.DisposeAsync();
                }
            }
            finally
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
    }
}

/// <summary>Alone, after the parallel collections: the timing assertions are on real time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClientModeCollection : ICollectionFixture<ClientModeFixture>
{
    public const string Name = "client-mode";
}

[Collection(ClientModeCollection.Name)]
public sealed class ClientModeTests(ClientModeFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>How late an event may reach the agent after it is due (issue 4: within 1 s of the deadline).</summary>
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Ready_IsHealthy_WithTheClusterInAnotherProcess()
    {
        // A pure client: no silo in the Gateway's process.
        Assert.Null(fixture.Gateway.Services.GetService<ILocalSiloDetails>());

        var response = await fixture.Gateway.Http.GetAsync("/health/ready");

        await Http.AssertStatusAsync(response, HttpStatusCode.OK);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Stream_DeliversTheWarningWithin1sOfTheDeadline_AndTheEndAfterTheGracePeriod()
    {
        var tenant = fixture.Gateway.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true, autoEnd: true, timeout: (int)Timeout.TotalSeconds, grace: (int)Grace.TotalSeconds);
        var alice = tenant.Agent("alice");
        await using var events = await EventStream.OpenAsync(alice);
        var snapshot = await events.NextAsync();
        Assert.Equal(("snapshot", SessionState.None), (snapshot.Name, snapshot.As<AgentView>().State));

        var started = await Http.ReadAsync<AgentView>(await alice.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        var session = started.Session!;
        var warningDue = session.LastActivityAt + Timeout;

        var warning = await events.NextNamedAsync("inactivity-warning", "session-started", "status-changed");
        var warningReceivedAt = TimeProvider.System.GetUtcNow();
        var warnedAt = (DateTimeOffset)warning.Json["warnedAt"]!;
        var deadline = (DateTimeOffset)warning.Json["deadline"]!;
        Assert.Equal(session.SessionId, (Guid?)warning.Json["sessionId"]);
        Assert.InRange(warnedAt, warningDue, warningDue + Tolerance);
        Assert.Equal(warnedAt + Grace, deadline);
        output.WriteLine($"warning: fired {(warnedAt - warningDue).TotalMilliseconds:F0} ms, received {(warningReceivedAt - warningDue).TotalMilliseconds:F0} ms after due");
        Assert.InRange(warningReceivedAt, warningDue, warningDue + Tolerance);

        var ended = await events.NextNamedAsync("session-ended", "status-changed");
        var endReceivedAt = TimeProvider.System.GetUtcNow();
        var record = ended.As<SessionRecord>();
        Assert.Equal((session.SessionId, "alice", EndReason.InactivityTimeout, (string?)null, 1, 0),
            (record.SessionId, record.AgentId, record.EndReason, record.EndedBy, record.PromptCount, record.ContinueCount));
        Assert.InRange(record.EndedAt, deadline, deadline + Tolerance);
        output.WriteLine($"end: at {(record.EndedAt - deadline).TotalMilliseconds:F0} ms, received {(endReceivedAt - deadline).TotalMilliseconds:F0} ms after the deadline");
        Assert.InRange(endReceivedAt, deadline, deadline + Tolerance);

        var after = await Http.ReadAsync<AgentView>(await alice.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        Assert.Equal((SessionState.None, AgentStatus.Offline), (after.State, after.Status));
    }

    [Fact]
    public async Task StorageRefusingWrites_InTheSilosProcess_MakesTheClientGatewayNotReady_UntilAWriteSucceeds()
    {
        var tenant = fixture.Gateway.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var bob = tenant.Agent("bob");
        await Http.AssertStatusAsync(await bob.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        var http = fixture.Gateway.Http;
        try
        {
            await StorageReadinessTests.RefuseWritesAsync(fixture.DatabasePath);
            await Http.AssertProblemAsync(await bob.PutAsync(Paths.MyStatus, new { status = "notReady", reason = "lunch" }), HttpStatusCode.ServiceUnavailable, "service_unavailable");

            var notReady = await http.GetAsync("/health/ready");
            var body = await notReady.Content.ReadAsStringAsync();
            Assert.True(notReady.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)notReady.StatusCode}: {body}");
            Assert.StartsWith("Unhealthy\nstorage-writes: Storage writes fail: ", body, StringComparison.Ordinal);
            Assert.Contains(StorageReadinessTests.DiskFull, body, StringComparison.Ordinal);
        }
        finally
        {
            await StorageReadinessTests.AcceptWritesAsync(fixture.DatabasePath);
        }

        await Http.AssertStatusAsync(await bob.PutAsync(Paths.MyStatus, new { status = "notReady", reason = "lunch" }), HttpStatusCode.OK);
        var ready = await http.GetAsync("/health/ready");
        await Http.AssertStatusAsync(ready, HttpStatusCode.OK);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }
}
