using System.Collections.Concurrent;
using WorkSessions.Contracts.Reports;
using WorkSessions.Reporting;
using WorkSessions.Storage.Tests.Infrastructure;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// The feed's promise (docs/architecture.md#event-feed): a reader that resumes after the last position it saw misses
/// nothing and sees nothing twice, while writers with connection pools of their own (as separate silos have) insert
/// batches for the same tenant at once. Without the per-tenant ordering of inserts, a batch that took its positions
/// first but committed last is skipped by a reader that has already moved past them.
/// </summary>
public abstract class ReportFeedOrderTests<TTarget>(TTarget target) : IClassFixture<TTarget>
    where TTarget : StorageTarget
{
    private const int Writers = 6;
    private const int BatchesPerWriter = 25;

    [Fact]
    public async Task ReaderResumingAtRandomPoints_WhileWritersRace_SeesEveryEventOnceInOrder()
    {
        var settings = await target.CreateDatabaseAsync();
        await StorageTarget.MigrateAsync(settings);
        var tenant = TestSupport.TestIds.NewTenantId();
        var otherTenant = TestSupport.TestIds.NewTenantId();
        var written = new ConcurrentDictionary<Guid, bool>();
        var random = new Random(20261202);

        var writers = Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            // A database (and so a connection pool) per writer, like a silo's.
            await using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
            var store = new ReportStore(database);
            var writerRandom = new Random(writer);
            for (var batch = 0; batch < BatchesPerWriter; batch++)
            {
                var entries = Enumerable.Range(0, writerRandom.Next(1, 40))
                    .Select(i => Entry(i % 7 == 0 ? otherTenant : tenant, $"agent-{writer}"))
                    .ToList();
                await store.InsertAsync(entries, CancellationToken.None);
                foreach (var entry in entries.Where(entry => entry.TenantId == tenant))
                {
                    written[entry.EventId] = true;
                }
            }
        })).ToArray();

        await using var readerDatabase = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
        var reader = new ReportStore(readerDatabase);
        var seen = new List<FeedEvent>();
        var writing = Task.WhenAll(writers);
        var resumes = 0;
        while (true)
        {
            var finished = writing.IsCompleted;
            var after = seen.Count == 0 ? 0 : seen[^1].Position;
            if (seen.Count > 10 && random.Next(4) == 0)
            {
                // A reconnect from an earlier position it saw: it must get exactly what followed it before.
                var from = random.Next(seen.Count);
                var again = await reader.ReadEventsAsync(new EventFilter(tenant, seen.Count - from - 1) { AfterPosition = seen[from].Position }, CancellationToken.None);
                Assert.Equal(seen.Skip(from + 1).Select(e => e.EventId), again.Take(seen.Count - from - 1).Select(e => e.EventId));
                resumes++;
            }

            var page = await reader.ReadEventsAsync(new EventFilter(tenant, 50) { AfterPosition = after }, CancellationToken.None);
            seen.AddRange(page);
            if (finished && page.Count == 0)
            {
                break;
            }
        }

        await writing;
        Assert.True(resumes > 0);
        Assert.Equal(seen.Count, seen.Select(e => e.EventId).Distinct().Count());
        Assert.True(seen.Zip(seen.Skip(1)).All(pair => pair.First.Position < pair.Second.Position), "positions must only grow");
        Assert.Equal(written.Keys.Order(), seen.Select(e => e.EventId).Order());
        Assert.All(seen, e => Assert.StartsWith("agent-", e.AgentId));
    }

    [Fact]
    public async Task DeliveringTheSameEntriesAgain_StoresThemOnce()
    {
        var settings = await target.CreateDatabaseAsync();
        await StorageTarget.MigrateAsync(settings);
        await using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
        var store = new ReportStore(database);
        var tenant = TestSupport.TestIds.NewTenantId();
        var entries = Enumerable.Range(0, 5).Select(_ => Entry(tenant, "alice")).ToList();

        await store.InsertAsync(entries, CancellationToken.None);
        await store.InsertAsync(entries, CancellationToken.None);
        await store.InsertAsync([.. entries.Take(2), Entry(tenant, "alice")], CancellationToken.None);

        var stored = await store.ReadEventsAsync(new EventFilter(tenant, 100), CancellationToken.None);
        Assert.Equal(6, stored.Count);
        Assert.Equal(entries.Select(e => e.EventId), stored.Take(5).Select(e => e.EventId));
    }

    [Fact]
    public async Task TextTheDatabaseRefuses_IsStoredWithAReplacementCharacter_AndHoldsUpNothing()
    {
        var settings = await target.CreateDatabaseAsync();
        await StorageTarget.MigrateAsync(settings);
        await using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
        var store = new ReportStore(database);
        var tenant = TestSupport.TestIds.NewTenantId();
        var poisoned = Entry(tenant, "alice") with { Reason = "lunch\0", Note = "half \ud800 pair" };

        await store.InsertAsync([Entry(tenant, "alice"), poisoned, Entry(tenant, "bob")], CancellationToken.None);

        var stored = await store.ReadEventsAsync(new EventFilter(tenant, 10), CancellationToken.None);
        Assert.Equal(3, stored.Count);
        Assert.Equal(("lunch\uFFFD", "half \uFFFD pair"), (stored[1].Reason, stored[1].Note));
    }

    [Fact]
    public async Task Purge_DeletesOnlyWhatIsOlderThanTheCutoff()
    {
        var settings = await target.CreateDatabaseAsync();
        await StorageTarget.MigrateAsync(settings);
        await using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
        var store = new ReportStore(database);
        var tenant = TestSupport.TestIds.NewTenantId();
        var cutoff = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await store.InsertAsync([Entry(tenant, "a", cutoff.AddTicks(-1)), Entry(tenant, "a", cutoff), Entry(tenant, "a", cutoff.AddDays(1))], CancellationToken.None);

        Assert.Equal(1, await store.PurgeAsync(cutoff, CancellationToken.None));

        Assert.Equal([cutoff, cutoff.AddDays(1)], (await store.ReadEventsAsync(new EventFilter(tenant, 10), CancellationToken.None)).Select(e => e.At));
    }

    private static ReportEntry Entry(string tenant, string agent, DateTimeOffset? at = null) =>
        new(Guid.NewGuid(), tenant, agent, Guid.NewGuid(), at ?? DateTimeOffset.UnixEpoch.AddDays(20000), FeedEventKinds.StatusChanged,
            Contracts.AgentStatus.Ready, Contracts.AgentStatus.NotReady, "break", Contracts.Actor.Agent(agent));
}

public sealed class PostgresReportFeedOrderTests(PostgresTarget target) : ReportFeedOrderTests<PostgresTarget>(target);

public sealed class SqliteReportFeedOrderTests(SqliteTarget target) : ReportFeedOrderTests<SqliteTarget>(target);
