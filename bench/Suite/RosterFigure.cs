using System.Diagnostics;
using WorkSessions.Contracts;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// A page of the supervisor's roster at N open sessions, as the tenant grain answers it (<c>GetRosterPage</c>, 100 ids,
/// the API's default page): the first, the middle and the last page, each read many times, latency p50/p99 of the grain
/// call. Beside it, what a page cost before the roster was kept in order, measured on the same ids in this process:
/// copying and sorting every id and skipping to the cursor (the grain's and the Gateway's work then, without sending the
/// N ids between them). The roster is filled the way agents announce their sessions, spread over 500 teams (DESIGN §8)
/// with a mix of statuses and reasons; no agent grain is involved. Then the filtered pages and the summary
/// (docs/architecture.md#the-roster), each beside an empty grain call measured alternately in the same run: one team
/// (its first page), 50 teams (a page from the middle of their merged list), a status (a middle page), a search that
/// matches nothing (the worst case: a whole scan budget read), and the summary of the tenant and of 50 teams.
/// </summary>
internal static class RosterFigure
{
    private const int PageSize = 100;
    private const int Teams = 500;
    private static readonly string[] Reasons = ["Break", "Lunch", "Training", "Meeting"];

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
            await roster.SessionChanged(id, FactsOf(id), held);
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

        await FilteredAsync(silo, tenant, sorted, reads);
        return 0;
    }

    /// <summary>Team <c>i % 500</c>, ready, not ready (a reason of four) or occupied by turns, one in ten warned.</summary>
    private static RosterFacts FactsOf(string agentId)
    {
        var i = int.Parse(agentId.AsSpan("agent-".Length), System.Globalization.CultureInfo.InvariantCulture);
        var status = (i % 3) switch { 0 => AgentStatus.Ready, 1 => AgentStatus.NotReady, _ => AgentStatus.Occupied };
        return new RosterFacts(
            Guid.NewGuid(),
            $"team-{i % Teams}",
            status,
            status == AgentStatus.NotReady ? Reasons[i / 3 % Reasons.Length] : null,
            i % 10 == 0 ? SessionState.Warned : SessionState.Active);
    }

    /// <summary>The filtered pages and the summaries, each read alternately with an empty grain call (the baseline).</summary>
    private static async Task FilteredAsync(BenchSilo silo, ITenantGrain tenant, string[] sorted, int reads)
    {
        var empty = silo.Grains.GetGrain<IEmptyGrain>("roster/empty");
        var fifty = Enumerable.Range(0, 50).Select(i => $"team-{i * 10}").ToArray();
        var fiftyMembers = sorted.Where(id => fifty.Contains(FactsOfTeam(id), StringComparer.Ordinal)).ToArray();
        var notReady = sorted.Where(id => int.Parse(id.AsSpan("agent-".Length), System.Globalization.CultureInfo.InvariantCulture) % 3 == 1).ToArray();
        var figures = new (string Name, Func<Task<int>> Read)[]
        {
            ("team", async () => (await tenant.GetRosterPage(new RosterQuery(TeamIds: ["team-250"]), null, PageSize)).AgentIds.Count),
            ("teams", async () => (await tenant.GetRosterPage(new RosterQuery(TeamIds: fifty), Middle(fiftyMembers), PageSize)).AgentIds.Count),
            ("status", async () => (await tenant.GetRosterPage(new RosterQuery(Status: AgentStatus.NotReady), Middle(notReady), PageSize)).AgentIds.Count),
            ("search", async () => (await tenant.GetRosterPage(new RosterQuery(Search: "zz"), sorted[sorted.Length / 2], PageSize)).AgentIds.Count),
            ("summary", async () => (await tenant.GetRosterSummary(null)).Open),
            ("summary.teams", async () => (await tenant.GetRosterSummary(fifty)).Open),
        };
        foreach (var (name, read) in figures)
        {
            for (var i = 0; i < 10; i++)
            {
                await read();
                await empty.Ping();
            }

            var measured = new List<double>(reads);
            var baseline = new List<double>(reads);
            var answered = 0;
            for (var i = 0; i < reads; i++)
            {
                var watch = Stopwatch.StartNew();
                answered = await read();
                measured.Add(watch.Elapsed.TotalMilliseconds);
                watch.Restart();
                await empty.Ping();
                baseline.Add(watch.Elapsed.TotalMilliseconds);
            }

            Measure.ReportPercentiles($"roster.{name}", measured, 0.5, 0.99);
            Measure.ReportPercentiles($"roster.{name}.empty", baseline, 0.5, 0.99);
            Measure.Log($"roster: {name} ({answered:N0} answered) at {sorted.Length:N0}: p50 {Measure.Percentile([.. measured.Order()], 0.5):N3} ms, "
                + $"p99 {Measure.Percentile([.. measured.Order()], 0.99):N3} ms; empty grain call p50 {Measure.Percentile([.. baseline.Order()], 0.5):N3} ms, "
                + $"p99 {Measure.Percentile([.. baseline.Order()], 0.99):N3} ms");
        }
    }

    /// <summary>The cursor of a page from the middle of <paramref name="ids"/>; the first page's when there are none.</summary>
    private static string? Middle(string[] ids) => ids.Length == 0 ? null : ids[ids.Length / 2];

    private static string FactsOfTeam(string agentId) =>
        $"team-{int.Parse(agentId.AsSpan("agent-".Length), System.Globalization.CultureInfo.InvariantCulture) % Teams}";

    /// <summary>What a page cost before: every id copied and sorted (the grain), then skipped to the cursor (the Gateway).</summary>
    private static List<string> OldPage(Dictionary<string, Guid> roster, string? cursor)
    {
        IReadOnlyList<string> all = [.. roster.Keys.Order(StringComparer.Ordinal)];
        return [.. all.Where(id => cursor is null || string.CompareOrdinal(id, cursor) > 0).Take(PageSize + 1)];
    }
}
