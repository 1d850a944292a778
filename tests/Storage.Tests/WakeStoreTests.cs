using WorkSessions.Storage.Tests.Infrastructure;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// The wake shards' members on both databases (docs/architecture.md#timers-and-reminders): joins and leaves in one
/// batch, a leave that names an older session is a no-op, reads by hash range include both ends and hashes above
/// <see cref="int.MaxValue"/>, and two services never see each other's rows.
/// </summary>
public abstract class WakeStoreTests<TTarget>(TTarget target) : IClassFixture<TTarget>
    where TTarget : StorageTarget
{
    [Fact]
    public async Task JoinsAndLeaves_AreStoredByHash_AndALeaveOfAnOlderSessionRemovesNothing()
    {
        var settings = await target.CreateDatabaseAsync();
        await StorageTarget.MigrateAsync(settings);
        await using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
        var store = new WakeStore(database, "service-a");
        var other = new WakeStore(database, "service-b");
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());

        await store.ApplyAsync(
            [new("t/low", 0, first), new("t/high", uint.MaxValue, first), new("t/middle", 0x8000_0000, first), new("t/gone", 10, first)],
            [],
            CancellationToken.None);
        await other.ApplyAsync([new("t/low", 0, second)], [], CancellationToken.None);

        // A newer session replaces the older one; a late leave of the older one then leaves the newer one in place.
        await store.ApplyAsync([new("t/middle", 0x8000_0000, second)], [new("t/gone", 10, first)], CancellationToken.None);
        await store.ApplyAsync([], [new("t/middle", 0x8000_0000, first)], CancellationToken.None);

        var all = await store.ReadRangeAsync(0, uint.MaxValue, CancellationToken.None);
        Assert.Equal(
            [("t/high", uint.MaxValue, first), ("t/low", 0u, first), ("t/middle", 0x8000_0000u, second)],
            all.Select(m => (m.AgentKey, m.AgentHash, m.SessionId)).OrderBy(m => m.AgentKey, StringComparer.Ordinal));
        Assert.Equal(["t/middle", "t/high"], (await store.ReadRangeAsync(0x8000_0000, uint.MaxValue, CancellationToken.None))
            .OrderBy(m => m.AgentHash).Select(m => m.AgentKey));
        Assert.Equal(["t/low"], (await store.ReadRangeAsync(0, 0x7FFF_FFFF, CancellationToken.None)).Select(m => m.AgentKey));
        Assert.Equal([second], (await other.ReadRangeAsync(0, uint.MaxValue, CancellationToken.None)).Select(m => m.SessionId));

        // A leave that names the stored session removes it.
        await store.ApplyAsync([], [new("t/middle", 0x8000_0000, second), new("t/low", 0, first)], CancellationToken.None);
        Assert.Equal(["t/high"], (await store.ReadRangeAsync(0, uint.MaxValue, CancellationToken.None)).Select(m => m.AgentKey));
    }
}

public sealed class PostgresWakeStoreTests(PostgresTarget target) : WakeStoreTests<PostgresTarget>(target);

public sealed class SqliteWakeStoreTests(SqliteTarget target) : WakeStoreTests<SqliteTarget>(target);
