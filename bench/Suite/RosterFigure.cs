using System.Diagnostics;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// A page of the supervisor's roster at N open sessions, as the tenant grain answers it (<c>GetRosterPage</c>, 100 ids,
/// the API's default page): the first, the middle and the last page, each read many times, latency p50/p99 of the grain
/// call. Beside it, what a page cost before the roster was kept in order, measured on the same ids in this process:
/// copying and sorting every id and skipping to the cursor (the grain's and the Gateway's work then, without sending the
/// N ids between them). The roster is filled the way agents announce their sessions; no agent grain is involved.
/// </summary>
internal static class RosterFigure
{
    private const int PageSize = 100;

    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var sessions = arguments.Int("--sessions", 50_000);
        var reads = arguments.Int("--reads", 200);
        await using var silo = await BenchSilo.StartAsync(arguments.Value("--postgres"));
        var tenantId = await silo.NewTenantAsync("roster", autoEnd: false, 3600, 600);
        var tenant = silo.Grains.GetTenantGrain(tenantId);
        var held = await tenant.GetPreferences();
        var ids = Enumerable.Range(0, sessions).Select(i => $"agent-{i}").OrderBy(_ => Random.Shared.Next()).ToArray();
        var roster = silo.Grains.GetTenantRoster(tenantId);
        var fill = Stopwatch.StartNew();
        foreach (var id in ids)
        {
            await roster.SessionOpened(id, Guid.NewGuid(), held);
        }

        while ((await tenant.GetRosterPage(null, 1)).Count < sessions && fill.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(20);
        }

        Measure.Log($"roster: {sessions:N0} entries announced in {fill.Elapsed.TotalSeconds:N1} s");
        var sorted = ids.Order(StringComparer.Ordinal).ToArray();
        var unsorted = ids.ToDictionary(id => id, _ => Guid.Empty, StringComparer.Ordinal);
        var cursors = new[] { ("first", (string?)null), ("middle", sorted[(sessions / 2) - 1]), ("last", sorted[sessions - PageSize - 1]) };
        foreach (var (name, cursor) in cursors)
        {
            // A few unmeasured reads, then the measured ones; the old way on the same ids, alternating, so both see the same machine.
            for (var i = 0; i < 10; i++)
            {
                await tenant.GetRosterPage(cursor, PageSize);
            }

            var now = new List<double>(reads);
            var before = new List<double>(reads);
            for (var i = 0; i < reads; i++)
            {
                var watch = Stopwatch.StartNew();
                var page = await tenant.GetRosterPage(cursor, PageSize);
                now.Add(watch.Elapsed.TotalMilliseconds);
                if (page.AgentIds.Count != PageSize)
                {
                    throw new InvalidOperationException($"The {name} page held {page.AgentIds.Count} ids, not {PageSize}.");
                }

                if (i % 4 == 0)
                {
                    watch.Restart();
                    var old = OldPage(unsorted, cursor);
                    before.Add(watch.Elapsed.TotalMilliseconds);
                    GC.KeepAlive(old);
                }
            }

            Measure.ReportPercentiles($"roster.{name}", now, 0.5, 0.99);
            Measure.ReportPercentiles($"roster.before.{name}", before, 0.5, 0.99);
            Measure.Log($"roster: {name} page of {PageSize} at {sessions:N0}: p50 {Measure.Percentile([.. now.Order()], 0.5):N3} ms, p99 {Measure.Percentile([.. now.Order()], 0.99):N3} ms; "
                + $"before (copy, sort, skip): p50 {Measure.Percentile([.. before.Order()], 0.5):N1} ms, p99 {Measure.Percentile([.. before.Order()], 0.99):N1} ms");
        }

        return 0;
    }

    /// <summary>What a page cost before: every id copied and sorted (the grain), then skipped to the cursor (the Gateway).</summary>
    private static List<string> OldPage(Dictionary<string, Guid> roster, string? cursor)
    {
        IReadOnlyList<string> all = [.. roster.Keys.Order(StringComparer.Ordinal)];
        return [.. all.Where(id => cursor is null || string.CompareOrdinal(id, cursor) > 0).Take(PageSize + 1)];
    }
}
