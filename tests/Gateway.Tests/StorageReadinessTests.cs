using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using WorkSessions.Gateway.Hosting;
using WorkSessions.Storage;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// A node whose storage refuses writes is not ready: every write command there is a 503, so a load balancer should send
/// them elsewhere. Readiness names the database's reason and comes back by itself.
/// </summary>
public sealed class StorageReadinessTests
{
    internal const string DiskFull = "database or disk is full";

    [Fact]
    public async Task StorageRefusingWrites_MakesTheNodeNotReady_WithTheReason_UntilAWriteSucceedsAgain()
    {
        await using var gateway = new TestGateway();
        var http = gateway.Start();
        var tenant = gateway.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var alice = tenant.Agent("alice");
        await Http.AssertStatusAsync(await alice.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        await AssertReadyAsync(http);

        await RefuseWritesAsync(gateway.DatabasePath);
        await Http.AssertProblemAsync(await alice.PutAsync(Paths.MyStatus, new { status = "notReady", reason = "lunch" }), HttpStatusCode.ServiceUnavailable, "service_unavailable");

        var notReady = await http.GetAsync("/health/ready");
        var body = await notReady.Content.ReadAsStringAsync();
        Assert.True(notReady.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)notReady.StatusCode}: {body}");
        Assert.StartsWith("Unhealthy\nstorage-writes: Storage writes fail: ", body, StringComparison.Ordinal);
        Assert.Contains(DiskFull, body, StringComparison.Ordinal);
        // Alive all the same: nothing to restart.
        await Http.AssertStatusAsync(await http.GetAsync("/health/live"), HttpStatusCode.OK);

        await AcceptWritesAsync(gateway.DatabasePath);
        await Http.AssertStatusAsync(await alice.PutAsync(Paths.MyStatus, new { status = "notReady", reason = "lunch" }), HttpStatusCode.OK);

        await AssertReadyAsync(http);
    }

    [Fact]
    public async Task AFailedWrite_KeepsTheNodeNotReady_ForTheWindow_WhenNoWriteIsTried()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        var health = new StorageWriteHealth(time);
        var check = new StorageWritesReadyCheck(health);
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        health.Failed(new InvalidOperationException("The grain could not write.", new SqliteException($"SQLite Error 13: '{DiskFull}'.", 13)));
        time.Advance(TimeSpan.FromSeconds(5));
        health.Failed(new SqliteException($"SQLite Error 13: '{DiskFull}'.", 13));

        var failing = await check.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, failing.Status);
        Assert.Equal(
            $"Storage writes fail: SQLite Error 13: '{DiskFull}'. (2 failed since 2026-12-07T09:00:00.0000000+00:00, the last at 2026-12-07T09:00:05.0000000+00:00; none succeeded since).",
            failing.Description);

        // The balancer sends nothing more, so no write can prove the storage well again: the window does.
        time.Advance(StorageWriteHealth.Window - TimeSpan.FromTicks(1));
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);

        // A write that fails again takes it out again; one that succeeds brings it back at once.
        health.Failed(new SqliteException($"SQLite Error 13: '{DiskFull}'.", 13));
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
        health.Succeeded();
        Assert.Equal(HealthStatus.Healthy, (await check.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    private static async Task AssertReadyAsync(HttpClient http)
    {
        var ready = await http.GetAsync("/health/ready");
        var body = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.OK, $"{(int)ready.StatusCode}: {body}");
        Assert.Equal("Healthy", body);
    }

    /// <summary>From now on the grains' rows refuse every write, with the message SQLite gives when the disk is full.</summary>
    internal static Task RefuseWritesAsync(string databasePath) => ExecuteAsync(databasePath, $"""
        CREATE TRIGGER refuse_inserts BEFORE INSERT ON orleans_grain_state BEGIN SELECT RAISE(ABORT, '{DiskFull}'); END;
        CREATE TRIGGER refuse_updates BEFORE UPDATE ON orleans_grain_state BEGIN SELECT RAISE(ABORT, '{DiskFull}'); END;
        """);

    internal static Task AcceptWritesAsync(string databasePath) =>
        ExecuteAsync(databasePath, "DROP TRIGGER IF EXISTS refuse_inserts; DROP TRIGGER IF EXISTS refuse_updates;");

    private static async Task ExecuteAsync(string databasePath, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
