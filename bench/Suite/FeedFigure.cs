using System.Collections.Concurrent;
using System.Diagnostics;
using WorkSessions.Contracts;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// The report feed's lag: 20 agents change status every 50 ms while one reader polls the tenant's report grain every
/// 250 ms, as the Gateway's event stream does (<c>Gateway:EventFeedPollInterval</c>); lag = when the reader first saw an
/// event − the event's time. Half a poll on average, a whole one at worst, plus delivery (the transition's event stored
/// by the report writer and readable): the delivery is what a change to the product moves.
/// </summary>
internal static class FeedFigure
{
    private const int Agents = 20;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ChangeInterval = TimeSpan.FromMilliseconds(50);

    /// <summary><c>suite feed --seconds N [--postgres CS]</c>.</summary>
    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var duration = TimeSpan.FromSeconds(arguments.Int("--seconds", 10));
        await using var silo = await BenchSilo.StartAsync(arguments.Value("--postgres"));
        var tenant = await silo.NewTenantAsync("feed", autoEnd: false, 3600, 600);
        await BenchSilo.ForAllAsync(Agents, Agents, i => silo.Agent(tenant, i).StartSession(AgentStatus.Ready, null));
        var reports = silo.Grains.GetReportGrain(tenant);
        var lags = new ConcurrentBag<double>();
        using var stop = new CancellationTokenSource(duration);
        var after = await reports.GetLatestPosition();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var page = await reports.GetEvents(after, 1000);
                var now = DateTimeOffset.UtcNow;
                foreach (var feedEvent in page.Items)
                {
                    lags.Add((now - feedEvent.At).TotalMilliseconds);
                }

                after = page.Items.Count > 0 ? page.Items[^1].Position : after;
                if (page.NextCursor is null)
                {
                    await Task.Delay(PollInterval);
                }
            }
        });
        var changes = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Agents).Select(async i =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                await silo.Agent(tenant, i).SetStatus(n % 2 == 0 ? AgentStatus.NotReady : AgentStatus.Ready, n % 2 == 0 ? "break" : null);
                await Task.Delay(ChangeInterval);
            }
        }));
        await reader;
        if (lags.IsEmpty)
        {
            throw new InvalidOperationException($"the reader saw no event in {changes.Elapsed.TotalSeconds:N1} s of status changes");
        }

        Measure.Log($"feed: {lags.Count:N0} events read by a {PollInterval.TotalMilliseconds:N0} ms poller over {changes.Elapsed.TotalSeconds:N1} s, {silo.StorageName}");
        Measure.Report("feed.events", lags.Count);
        Measure.ReportPercentiles("feed.lag", lags, 0.5, 0.99);
        return 0;
    }
}
