using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Reporting;
using WorkSessions.Storage.Tests.Infrastructure;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// The feed from a time on both databases (<c>GET /events?since=</c>): the events of the tenant at or after the time, in
/// position order, whatever order their times were written in; with a position or teams too, all hold.
/// </summary>
public abstract class ReportFeedSinceTests<TTarget>(TTarget target) : IClassFixture<TTarget>
    where TTarget : StorageTarget
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Since_SelectsTheEventsAtOrAfterTheTime_InPositionOrder_AndCombinesWithAfterAndTeams()
    {
        var settings = await target.CreateDatabaseAsync();
        await StorageTarget.MigrateAsync(settings);
        await using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
        var store = new ReportStore(database);
        var tenant = TestSupport.TestIds.NewTenantId();
        var other = TestSupport.TestIds.NewTenantId();

        // Minutes after Start, in the order written; the 7 comes late (an outbox that delivered after a silo was lost)
        // and the other tenant's events interleave.
        int[] minutes = [0, 5, 10, 20, 30, 7, 40, 50];
        foreach (var (minute, index) in minutes.Select((minute, index) => (minute, index)))
        {
            await store.InsertAsync(
                [
                    Event(tenant, $"agent-{index}", Start.AddMinutes(minute), index % 2 == 0 ? "day" : "night"),
                    Event(other, "stranger", Start.AddMinutes(minute), "day"),
                ],
                CancellationToken.None);
        }

        var all = await store.ReadEventsAsync(new EventFilter(tenant, 100), CancellationToken.None);
        Assert.Equal(minutes.Select(minute => Start.AddMinutes(minute)), all.Select(e => e.At));

        // At or after 10 minutes: 10 itself, and the late 7 is not one of them though its position is among them.
        var since = await store.ReadEventsAsync(new EventFilter(tenant, 100) { Since = Start.AddMinutes(10) }, CancellationToken.None);
        Assert.Equal([10, 20, 30, 40, 50], since.Select(Minute));
        Assert.True(since.Zip(since.Skip(1)).All(pair => pair.First.Position < pair.Second.Position), "in position order");
        Assert.All(since, e => Assert.StartsWith("agent-", e.AgentId, StringComparison.Ordinal));

        // The late event is found by its time, after events that are later in time but earlier in position.
        Assert.Equal([10, 20, 30, 7, 40, 50], (await store.ReadEventsAsync(new EventFilter(tenant, 100) { Since = Start.AddMinutes(6) }, CancellationToken.None)).Select(Minute));

        // Pages: a limit, then on after the last position with the same time.
        var first = await store.ReadEventsAsync(new EventFilter(tenant, 2) { Since = Start.AddMinutes(10) }, CancellationToken.None);
        var rest = await store.ReadEventsAsync(new EventFilter(tenant, 100) { Since = Start.AddMinutes(10), AfterPosition = first[^1].Position }, CancellationToken.None);
        Assert.Equal([10, 20], first.Select(Minute));
        Assert.Equal([30, 40, 50], rest.Select(Minute));

        // With teams: day holds the even indexes (0, 10, 30, 40).
        Assert.Equal([10, 30, 40], (await store.ReadEventsAsync(new EventFilter(tenant, 100) { Since = Start.AddMinutes(10), TeamIds = ["day"] }, CancellationToken.None)).Select(Minute));

        // A time after every event: none; before every event: all.
        Assert.Empty(await store.ReadEventsAsync(new EventFilter(tenant, 100) { Since = Start.AddMinutes(51) }, CancellationToken.None));
        Assert.Equal(all, await store.ReadEventsAsync(new EventFilter(tenant, 100) { Since = Start.AddDays(-1) }, CancellationToken.None));
    }

    private static int Minute(FeedEvent feedEvent) => (int)(feedEvent.At - Start).TotalMinutes;

    private static ReportEntry Event(string tenant, string agent, DateTimeOffset at, string team) =>
        new(Guid.NewGuid(), tenant, agent, Guid.NewGuid(), at, FeedEventKinds.StatusChanged, AgentStatus.Ready, AgentStatus.NotReady, "break", Actor.Agent(agent), TeamId: team);
}

public sealed class PostgresReportFeedSinceTests(PostgresTarget target) : ReportFeedSinceTests<PostgresTarget>(target);

public sealed class SqliteReportFeedSinceTests(SqliteTarget target) : ReportFeedSinceTests<SqliteTarget>(target);
