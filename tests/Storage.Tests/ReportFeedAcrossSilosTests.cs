using Microsoft.Extensions.DependencyInjection;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Reporting;
using WorkSessions.Storage.Tests.Infrastructure;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// The feed's promise end to end: agents on two silos of one PostgreSQL cluster change status at once, each silo's
/// report writer delivers its own batches, and a reader that keeps resuming from positions it saw gets every event of
/// the tenant exactly once, in position order.
/// </summary>
public sealed class ReportFeedAcrossSilosTests(PostgresTarget target) : IClassFixture<PostgresTarget>
{
    private const int Agents = 60;
    private const int Rounds = 3;

    [Fact]
    public async Task AgentsOnTwoSilos_ReaderResumingAtRandomPoints_SeesEveryEventOnceInOrder()
    {
        var clusterId = "feed-" + Guid.NewGuid().ToString("N")[..8];
        await using var first = await target.StartSiloAsync("feed-tests", clusterId);
        await using var second = await target.StartSiloAsync("feed-tests", clusterId);
        var batches = new int[2];
        first.Services.GetRequiredService<ReportWriter>().BatchStored += _ => Interlocked.Increment(ref batches[0]);
        second.Services.GetRequiredService<ReportWriter>().BatchStored += _ => Interlocked.Increment(ref batches[1]);

        var tenant = TestIds.NewTenantId();
        await first.Grains.GetTenantGrain(tenant).UpdatePreferences(new WorkSessionPreferences(true, false, 60, 30), null, "admin-1");
        await using var readerDatabase = WorkSessionsDatabase.Open(target.Options);
        var reader = new ReportStore(readerDatabase);

        var writing = Parallel.ForEachAsync(Enumerable.Range(0, Agents), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            // Half the calls come in through each silo; the grains live wherever placement put them.
            var agent = (i % 2 == 0 ? first : second).Grains.GetAgentGrain(tenant, $"agent-{i:D2}");
            for (var round = 0; round < Rounds; round++)
            {
                await agent.StartSession(AgentStatus.Ready, null);
                await agent.SetStatus(AgentStatus.NotReady, "break");
                await agent.SetStatus(AgentStatus.Ready, null);
                await agent.EndSession(Actor.Agent($"agent-{i:D2}"), null);
            }
        });

        // Per round: started, offline→ready, ready→notReady, notReady→ready, ended, ready→offline.
        const int Expected = 1 + Agents * Rounds * 6;
        var seen = new List<FeedEvent>();
        var random = new Random(7);
        var resumes = 0;
        // The feed is read as clients read it: page after page, asking again while the writers are behind.
        await Eventually.UntilAsync(
            async () =>
            {
                if (seen.Count > 10 && random.Next(3) == 0)
                {
                    var from = random.Next(seen.Count);
                    var again = await reader.ReadEventsAsync(new EventFilter(tenant, seen.Count - from - 1) { AfterPosition = seen[from].Position }, CancellationToken.None);
                    Assert.Equal(seen.Skip(from + 1).Select(e => e.EventId), again.Select(e => e.EventId));
                    resumes++;
                }

                var page = await reader.ReadEventsAsync(new EventFilter(tenant, 25) { AfterPosition = seen.Count == 0 ? 0 : seen[^1].Position }, CancellationToken.None);
                seen.AddRange(page);
                return seen.Count;
            },
            count => count >= Expected,
            TimeSpan.FromMinutes(2),
            $"the feed's {Expected} events",
            TimeSpan.FromMilliseconds(20));

        await writing;
        Assert.Equal(Expected, seen.Count);
        Assert.Equal(Expected, seen.Select(e => e.EventId).Distinct().Count());
        Assert.True(seen.Zip(seen.Skip(1)).All(pair => pair.First.Position < pair.Second.Position), "positions must only grow");
        Assert.Equal(Agents * Rounds, seen.Count(e => e.Kind == FeedEventKinds.SessionEnded));
        Assert.True(resumes > 0);
        Assert.True(batches[0] > 0 && batches[1] > 0, $"both silos should have delivered (batches: {batches[0]}, {batches[1]})");

        // Each agent's own events come in the order they happened.
        foreach (var agentEvents in seen.Where(e => e.AgentId is not null).GroupBy(e => e.AgentId))
        {
            Assert.True(agentEvents.Zip(agentEvents.Skip(1)).All(pair => pair.First.At <= pair.Second.At));
        }
    }
}
