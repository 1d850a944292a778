using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WorkSessions.Hosting;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>Agent state writes beyond the bound wait in the process, in order, instead of for a pooled connection.</summary>
public sealed class StateWriteGateTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WritesBeyondTheLimit_WaitForASlot_AndTakeFreedSlotsInOrder()
    {
        var gate = new StateWriteGate(2);
        var releases = Enumerable.Range(0, 4).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var started = new List<int>();
        var writes = Enumerable.Range(0, 4).Select(i => gate.WriteAsync(() =>
        {
            lock (started)
            {
                started.Add(i);
            }

            return releases[i].Task;
        })).ToArray();

        await WaitUntilAsync(() => Started(started) == 2);
        Assert.Equal([0, 1], Snapshot(started));

        releases[1].SetResult();
        await writes[1].WaitAsync(Patience);
        await WaitUntilAsync(() => Started(started) == 3);
        Assert.Equal([0, 1, 2], Snapshot(started));

        releases[0].SetException(new InvalidOperationException("the database refused it"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => writes[0].WaitAsync(Patience));
        await WaitUntilAsync(() => Started(started) == 4);

        releases[2].SetResult();
        releases[3].SetResult();
        await Task.WhenAll(writes[2], writes[3]).WaitAsync(Patience);
    }

    [Fact]
    public async Task NoLimit_RunsEveryWriteAtOnce()
    {
        var gate = new StateWriteGate(0);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;

        var writes = Enumerable.Range(0, 1000).Select(_ => gate.WriteAsync(() =>
        {
            Interlocked.Increment(ref started);
            return release.Task;
        })).ToArray();

        Assert.Equal(1000, Volatile.Read(ref started));
        release.SetResult();
        await Task.WhenAll(writes).WaitAsync(Patience);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Database=ws", 50)]
    [InlineData("Host=127.0.0.1;Database=ws;Maximum Pool Size=10", 5)]
    [InlineData("Host=127.0.0.1;Database=ws;Maximum Pool Size=1", 1)]
    public void OnPostgres_TheDefaultIsHalfThePool(string connectionString, int expected)
    {
        using var database = WorkSessionsDatabase.Open(StorageOptions.FromConfiguration(Configuration(
            ("Storage:Provider", "postgres"), ("Storage:ConnectionString", connectionString))));

        Assert.Equal(expected, WorkSessionsDatabase.DefaultStateWriteLimit(database));
    }

    [Fact]
    public void OnSqlite_TheDefaultIsNoLimit()
    {
        var file = Path.Combine(Path.GetTempPath(), $"gate-{Guid.NewGuid():N}.db");
        using var database = WorkSessionsDatabase.Open(StorageOptions.FromConfiguration(Configuration(("Storage:ConnectionString", $"Data Source={file}"))));

        Assert.Equal(0, WorkSessionsDatabase.DefaultStateWriteLimit(database));
        Assert.Equal(0, WorkSessionsDatabase.DefaultStateWriteLimit(null));
    }

    [Theory]
    [InlineData("postgres", "Host=127.0.0.1;Database=ws;Maximum Pool Size=10", null, 5)]
    [InlineData("postgres", "Host=127.0.0.1;Database=ws;Maximum Pool Size=10", "7", 7)]
    [InlineData("sqlite", "Data Source=./data/gate.db", null, 0)]
    [InlineData("sqlite", "Data Source=./data/gate.db", "7", 7)]
    public void ASiloSetUpAsTheHostsDo_BoundsWritesByTheSetting_OrByHalfThePostgresPool(string provider, string connectionString, string? setting, int expected)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = provider,
            ["Storage:ConnectionString"] = connectionString,
            ["WorkSessions:MaxConcurrentStateWrites"] = setting,
        });
        builder.UseOrleans(silo => silo.UseWorkSessionsCluster(builder.Configuration));
        using var host = builder.Build();

        Assert.Equal(expected, host.Services.GetRequiredService<StateWriteGate>().Limit);
    }

    private static int Started(List<int> started)
    {
        lock (started)
        {
            return started.Count;
        }
    }

    private static int[] Snapshot(List<int> started)
    {
        lock (started)
        {
            return [.. started];
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition) =>
        Eventually.UntilAsync(condition, Patience, "the writes to start", TimeSpan.FromMilliseconds(10));

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(setting => new KeyValuePair<string, string?>(setting.Key, setting.Value)))
            .Build();
}
