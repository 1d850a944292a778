using System.Globalization;
using System.Text;

namespace WorkSessions.Bench.Suite;

/// <summary>One line of the results table. <see cref="Missing"/>: the figure's own measurement did not come out.</summary>
internal sealed record SuiteRow(string Figure, string Now, string Baseline, string Ratio, string Peers, string Target, bool Missing);

/// <summary>Turns the runs' values into the table of the issue: each figure beside its baseline, peers and target.</summary>
internal static class SuiteTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Figures computed from one run's values (ratios, heap per session), so their range is over runs too.</summary>
    public static void AddDerived(Dictionary<string, double> values, SuiteSizes sizes)
    {
        void Ratio(string name, string over, string under)
        {
            if (values.TryGetValue(over, out var a) && values.TryGetValue(under, out var b) && b > 0)
            {
                values[name] = a / b;
            }
        }

        Ratio("derived:starts_ratio", "starts:starts.per_s", "starts:starts.empty_activations_per_s");
        Ratio("derived:calls_ratio", "calls:calls.heartbeat_per_s", "calls:calls.empty_per_s");
        Ratio("derived:http_vs_bare", "http:http.heartbeat_per_s", "http:http.bare_per_s");
        Ratio("derived:http_vs_live", "http:http.heartbeat_per_s", "http:http.live_per_s");
        Ratio("derived:startup_ratio", "startup:startup.gateway_ms", "startup:startup.bare_ms");
        foreach (var (point, sessions) in new[] { ("mid", sizes.HeapMid), ("large", sizes.HeapLarge) })
        {
            if (values.TryGetValue($"heap.{point}:heap.bytes", out var heap) && values.TryGetValue("heap.zero:heap.bytes", out var empty))
            {
                values[$"derived:heap_per_session.{point}"] = (heap - empty) / sessions / 1024.0;
            }
        }
    }

    public static List<SuiteRow> Build(Dictionary<string, List<double>> values, SuiteSizes sizes, bool postgres)
    {
        string Cell(string key, Func<double, string> format) =>
            values.TryGetValue(key, out var list) && Measure.Summarize(list) is var (median, min, max) && !double.IsNaN(median)
                ? list.Count > 1 ? $"{format(median)} ({format(min)}–{format(max)})" : format(median)
                : "—";
        bool Has(string key) => values.TryGetValue(key, out var list) && list.Any(v => !double.IsNaN(v));
        static string Ms(double v) => v.ToString("N0", Invariant) + " ms";
        static string Rate(double v) => v.ToString("N0", Invariant) + "/s";
        static string Two(double v) => v.ToString("N2", Invariant);
        static string Fine(double v) => v.ToString(v < 10 ? "N2" : "N0", Invariant) + " ms";
        string Peer(string key, string metric, string label, Func<double, string> format) =>
            Has($"{key}:{metric}") ? $"{label} {Cell($"{key}:{metric}", format)}" : "";
        static string Join(params string[] parts) => string.Join("; ", parts.Where(p => p.Length > 0)) is { Length: > 0 } text ? text : "—";

        var rows = new List<SuiteRow>();
        foreach (var (db, name) in postgres ? new[] { ("sqlite", "SQLite"), ("postgres", "PostgreSQL") } : [("sqlite", "SQLite")])
        {
            foreach (var (size, agents, warnTarget, endTarget) in new[] { ("big", sizes.StormAgents, "p99 ≤ 100 ms", "p99 ≤ 250 ms"), ("small", sizes.SmallStormAgents, "p99 ≤ 50 ms", "p99 ≤ 50 ms") })
            {
                var key = $"storm.{db}.{size}";
                var window = Cell($"{key}:storm.window_ms", Ms);
                var dbPeer = $"peer.dbrow.{db}.{size}";
                var redisPeer = $"peer.redis.{size}";
                rows.Add(new(
                    $"warning lateness (warnedAt − deadline), {agents:N0} agents, {name}; deadlines reached within {window}",
                    $"p50 {Cell($"{key}:storm.warn.p50", Ms)}, p99 {Cell($"{key}:storm.warn.p99", Ms)}, max {Cell($"{key}:storm.warn.max", Ms)}",
                    "—", "—",
                    Join(Peer(dbPeer, "peer.warn.p99", "DB-row sweep (1 s) p99", Ms), Peer(redisPeer, "peer.warn.p99", "Redis TTL p99", Ms)),
                    warnTarget,
                    !Has($"{key}:storm.warn.p99")));
                rows.Add(new(
                    $"auto-end lateness (endedAt − grace deadline), {agents:N0} agents, {name}, same storm",
                    $"p50 {Cell($"{key}:storm.end.p50", Ms)}, p99 {Cell($"{key}:storm.end.p99", Ms)}",
                    "—", "—",
                    Join(Peer(dbPeer, "peer.end.p99", "DB-row sweep (1 s) p99", Ms), Peer(redisPeer, "peer.end.p99", "Redis TTL p99", Ms)),
                    endTarget,
                    !Has($"{key}:storm.end.p99")));
            }
        }

        rows.Add(new(
            $"session starts per second, SQLite ({sizes.StartAgents:N0} agents, 64 callers); baseline: as many empty-grain activations",
            Cell("starts:starts.per_s", Rate), Cell("starts:starts.empty_activations_per_s", Rate), Cell("derived:starts_ratio", Two), "—",
            "≥ 10,000/s", !Has("starts:starts.per_s")));
        rows.Add(new(
            $"`RecordActivity` grain call vs empty grain call (64 callers, {sizes.CallKeys:N0} keys)",
            Cell("calls:calls.heartbeat_per_s", Rate), Cell("calls:calls.empty_per_s", Rate), Cell("derived:calls_ratio", Two),
            Join(Peer("peer.dbrow.sqlite.big", "peer.heartbeat_per_s", "DB-row update (SQLite)", Rate),
                Peer("peer.dbrow.postgres.big", "peer.heartbeat_per_s", "DB-row update (PostgreSQL)", Rate),
                Peer("peer.redis.big", "peer.heartbeat_per_s", "Redis EXPIRE", Rate)),
            "ratio ≥ 0.9", !Has("calls:calls.heartbeat_per_s")));
        rows.Add(new(
            $"HTTP heartbeat vs bare Kestrel 204 app (wrk -t2 -c64 -d{sizes.WrkSeconds}s, {sizes.HttpAgents:N0} agents' tokens)",
            Cell("http:http.heartbeat_per_s", Rate), Cell("http:http.bare_per_s", Rate), Cell("derived:http_vs_bare", Two), "—",
            "ratio ≥ 0.5", !Has("http:http.heartbeat_per_s")));
        rows.Add(new(
            "HTTP heartbeat vs the Gateway's `/health/live` (same run)",
            Cell("http:http.heartbeat_per_s", Rate), Cell("http:http.live_per_s", Rate), Cell("derived:http_vs_live", Two), "—",
            "ratio ≥ 0.8", !Has("http:http.live_per_s")));
        foreach (var (point, sessions) in new[] { ("mid", sizes.HeapMid), ("large", sizes.HeapLarge) })
        {
            rows.Add(new(
                $"managed heap per open session, {sessions:N0} sessions, after a full compacting GC; baseline: the heap at 0 sessions",
                Cell($"derived:heap_per_session.{point}", v => v.ToString("N2", Invariant) + " KiB"),
                Cell("heap.zero:heap.bytes", v => (v / 1048576).ToString("N1", Invariant) + " MiB"), "—", "—",
                "≤ 4 KiB", !Has($"derived:heap_per_session.{point}")));
        }

        rows.Add(new(
            "process start → `/health/ready`, Gateway (Production, fresh SQLite); baseline: bare ASP.NET Core app's first response",
            Cell("startup:startup.gateway_ms", Ms), Cell("startup:startup.bare_ms", Ms), Cell("derived:startup_ratio", Two), "—",
            "≤ 1,000 ms", !Has("startup:startup.gateway_ms")));
        rows.Add(new(
            $"preference change (timeout 1 h → 30 min), {sizes.PreferenceAgents:N0} open sessions, SQLite: the admin's answer",
            Cell("preferences:preferences.answer_ms", Ms), "—", "—", "—", "≤ 1,000 ms", !Has("preferences:preferences.answer_ms")));
        rows.Add(new(
            $"the same change: until all {sizes.PreferenceAgents:N0} open sessions hold it (the `worksessions.preferences.adopted` counter)",
            Cell("preferences:preferences.reached_ms", Ms), "—", "—", "—", "≤ 10,000 ms", !Has("preferences:preferences.reached_ms")));
        rows.Add(new(
            $"a change that makes all {sizes.PreferenceAgents:N0} sessions due at once (timeout → 1 s): the admin's answer; until every session is warned (a deadline storm, each warning a write)",
            $"answer {Cell("preferences:preferences.due_answer_ms", Ms)}; all warned {Cell("preferences:preferences.due_warned_all_ms", Ms)}", "—", "—", "—", "answer ≤ 1,000 ms",
            !Has("preferences:preferences.due_warned_all_ms")));
        rows.Add(new(
            "the same change: warning lateness (warnedAt − the change's time)",
            $"p50 {Cell("preferences:preferences.due_warn.p50", Ms)}, p99 {Cell("preferences:preferences.due_warn.p99", Ms)}, max {Cell("preferences:preferences.due_warn.max", Ms)}",
            "—", "—", "—", "p99 ≤ 250 ms", !Has("preferences:preferences.due_warn.p99")));
        foreach (var (page, words) in new[] { ("first", "first"), ("middle", "middle"), ("last", "last") })
        {
            rows.Add(new(
                $"supervisor roster, {words} page of 100 at {sizes.PreferenceAgents:N0} open sessions: the tenant grain's `GetRosterPage`; baseline: the same page before (every id copied and sorted, skipped to the cursor)",
                $"p50 {Cell($"roster:roster.{page}.p50", Fine)}, p99 {Cell($"roster:roster.{page}.p99", Fine)}",
                $"p50 {Cell($"roster:roster.before.{page}.p50", Fine)}, p99 {Cell($"roster:roster.before.{page}.p99", Fine)}",
                "—", "—", "p99 ≤ 50 ms (the whole HTTP page)", !Has($"roster:roster.{page}.p99")));
        }

        var teams = Math.Max(12, sizes.PreferenceAgents / 100);
        foreach (var (phase, what) in new[]
        {
            ("team", $"one team's timeout override changed (its {sizes.PreferenceAgents / teams:N0} agents)"),
            ("tenant", $"the tenant's grace period changed (all {sizes.PreferenceAgents / teams * teams:N0}; the teams' overrides stay on top)"),
            ("move", $"{Math.Min(1_000, sizes.PreferenceAgents / teams * 10):N0} agents of ten teams moved to another team in one call"),
        })
        {
            rows.Add(new(
                $"team change, {sizes.PreferenceAgents / teams * teams:N0} open sessions in {teams:N0} teams, SQLite: {what}: each session's time to hold the new effective preferences, and the admin's answer",
                $"p50 {Cell($"teams:teams.{phase}.p50", Ms)}, p99 {Cell($"teams:teams.{phase}.p99", Ms)}, max (all held) {Cell($"teams:teams.{phase}.max", Ms)}; answer {Cell($"teams:teams.{phase}.answer_ms", Ms)}",
                "—", "—", "—", "all held ≤ 10,000 ms", !Has($"teams:teams.{phase}.max")));
        }

        foreach (var (figure, words) in new[]
        {
            ("team", "one team's page of 100 (teams of 100)"),
            ("teams", "a middle page of 100 of 50 teams' merged lists"),
            ("status", "a middle page of 100 of `status=notReady`"),
            ("search", "a page of a search that matches nothing (a whole scan budget of 10,000 read)"),
            ("summary", "the tenant's summary"),
            ("summary.teams", "the summary of 50 teams"),
        })
        {
            rows.Add(new(
                $"supervisor roster at {sizes.PreferenceAgents:N0} open sessions in 500 teams, {words}: the tenant grain's call; baseline: an empty grain call, alternating",
                $"p50 {Cell($"roster:roster.{figure}.p50", Fine)}, p99 {Cell($"roster:roster.{figure}.p99", Fine)}",
                $"p50 {Cell($"roster:roster.{figure}.empty.p50", Fine)}, p99 {Cell($"roster:roster.{figure}.empty.p99", Fine)}",
                "—", "—", "p99 ≤ 50 ms", !Has($"roster:roster.{figure}.p99")));
        }

        rows.Add(new(
            $"report feed's lag, SQLite: a status change → read by a reader polling every 250 ms (the Gateway's event stream), 20 agents changing status every 50 ms for {sizes.CallSeconds} s",
            $"p50 {Cell("feed:feed.lag.p50", Ms)}, p99 {Cell("feed:feed.lag.p99", Ms)}", "—", "—", "—", "—", !Has("feed:feed.lag.p99")));
        rows.Add(new(
            $"storage writes per heartbeat (SQLite, {sizes.WriteHeartbeats:N0} heartbeats); baseline: writes per status change",
            Cell("writes:writes.per_heartbeat", v => v.ToString("0.###", Invariant)), Cell("writes:writes.per_status_change", v => v.ToString("0.###", Invariant)), "—",
            Join(Peer("peer.dbrow.sqlite.big", "peer.writes_per_heartbeat", "DB-row", v => v.ToString("0.##", Invariant)),
                Peer("peer.redis.big", "peer.writes_per_heartbeat", "Redis", v => v.ToString("0.##", Invariant))),
            "0", !Has("writes:writes.per_heartbeat")));
        return rows;
    }

    public static string Markdown(List<SuiteRow> rows, MachineDescription machine, int runs, bool quick, double scale, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"### Suite results, {machine.Date}{(quick ? " (quick: tiny sizes, not comparable)" : scale != 1 ? $" (agent counts × {scale.ToString(CultureInfo.InvariantCulture)}: not the issue's sizes)" : "")}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"`bash bench/run.sh{(quick ? " --quick" : "")}{(runs != (quick ? 1 : 3) ? $" --runs {runs}" : "")}{(scale != 1 ? $" --scale {scale.ToString(CultureInfo.InvariantCulture)}" : "")}` — {runs} run(s) of every figure, interleaved; median (min–max) over the runs; took {elapsed.TotalMinutes:N1} min.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine.Cpu}, {machine.Cores} cores, {machine.MemoryGiB:N1} GiB RAM; {machine.Os}; {machine.DotNet}; commit {machine.Commit}; load average at the start {machine.LoadAverage}.");
        text.AppendLine();
        text.AppendLine("| figure | measured | baseline | ratio | peers | target |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Figure} | {row.Now} | {row.Baseline} | {row.Ratio} | {row.Peers} | {row.Target} |");
        }

        return text.ToString();
    }
}
