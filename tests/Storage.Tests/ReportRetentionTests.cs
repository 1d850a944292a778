using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WorkSessions.Contracts.Reports;
using WorkSessions.Reporting;
using WorkSessions.Storage.Tests.Infrastructure;

namespace WorkSessions.Storage.Tests;

/// <summary>The daily purge: at start, then once per interval, everything older than the retention period.</summary>
public sealed class ReportRetentionTests(SqliteTarget target) : IClassFixture<SqliteTarget>
{
    [Fact]
    public async Task Purge_RunsAtStartAndEveryInterval_DeletingOnlyWhatIsOlderThanTheRetention()
    {
        var settings = await target.CreateDatabaseAsync();
        await StorageTarget.MigrateAsync(settings);
        await using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
        var store = new ReportStore(database);
        var now = new DateTimeOffset(2026, 12, 2, 3, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(now);
        var tenant = TestSupport.TestIds.NewTenantId();
        // Ten days old, a day before that, and today.
        await store.InsertAsync([Entry(tenant, now.AddDays(-11)), Entry(tenant, now.AddDays(-9.5)), Entry(tenant, now)], CancellationToken.None);
        var retention = new ReportRetention(
            store, Options.Create(new ReportingOptions { RetentionDays = 10, PurgeInterval = TimeSpan.FromDays(1) }), time, NullLogger<ReportRetention>.Instance);

        await retention.StartAsync(CancellationToken.None);
        await TestSupport.Eventually.UntilAsync(() => RemainingAsync(store, tenant), left => left == 2, TimeSpan.FromSeconds(30), "the purge at start");

        // Hour by hour (the loop may not be waiting yet when the clock first moves): the next purge comes a day later,
        // when the one that was 9.5 days old is past the retention too.
        await TestSupport.Eventually.UntilAsync(
            async () =>
            {
                time.Advance(TimeSpan.FromHours(1));
                return await RemainingAsync(store, tenant);
            },
            left => left == 1, TimeSpan.FromSeconds(30), "the next day's purge", poll: TimeSpan.FromMilliseconds(20));
        Assert.True(time.GetUtcNow() >= now.AddDays(1), "purged before the interval had passed");
        await retention.StopAsync(CancellationToken.None);
        retention.Dispose();
    }

    private static async Task<int> RemainingAsync(ReportStore store, string tenant) =>
        (await store.ReadEventsAsync(new EventFilter(tenant, 100), CancellationToken.None)).Count;

    private static ReportEntry Entry(string tenant, DateTimeOffset at) =>
        new(Guid.NewGuid(), tenant, "alice", Guid.NewGuid(), at, FeedEventKinds.StatusChanged);
}
