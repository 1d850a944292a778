using System.Diagnostics;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;

namespace WorkSessions.Bench.Suite;

/// <summary>
/// The deadline storm: every agent's inactivity deadline inside one short window, then how late the warnings and the
/// auto-ends come. Method:
/// 1. a pilot tenant measures this machine's session start rate; the storm's inactivity timeout is chosen so that all
///    sessions are started well before it runs out (1.5 × the expected start time + a margin of 5 s; grace period 30 s,
///    the product's minimum);
/// 2. every agent starts a session (64 callers), then every agent records activity through its grain at once (all
///    calls in flight together), which puts every deadline (last activity + timeout) inside the sweep's window —
///    the window actually reached is read back from the snapshots and reported;
/// 3. nobody touches the agents again: each is warned by its own timer, and auto-ended after the grace period;
/// 4. the times come from the tenant's report feed (reporting is on, as in the product): lateness of a warning =
///    warnedAt − (last activity + timeout); of an auto-end = endedAt − the prompt's grace deadline.
/// </summary>
internal static class StormFigure
{
    /// <summary>
    /// The product's minimum grace period (<c>WorkSessions:MinimumGracePeriodSeconds</c>). A shorter one measures
    /// something else: on PostgreSQL the grace deadlines then fall while the storm's prompts are still being written,
    /// and an agent's grace timer is armed only once its prompt is stored (bench/HISTORY.md, 2026-12-04, "the storm's grace period").
    /// </summary>
    public const int GraceSeconds = 30;

    public const int MarginSeconds = 5;

    private const int WarningPhaseSeconds = 5;

    /// <summary><c>suite storm --agents N [--postgres CS]</c>.</summary>
    public static async Task<int> RunAsync(SuiteArguments arguments)
    {
        var agents = arguments.Int("--agents", 1000);
        await using var silo = await BenchSilo.StartAsync(arguments.Value("--postgres"));
        Measure.Log($"storm: {agents:N0} agents, {silo.StorageName}");
        var outcome = await RunStormAsync(silo, agents, startRate: null, arguments.Int("--grace", GraceSeconds), arguments.Int("--margin", MarginSeconds));
        outcome.Report("storm");
        return outcome.Complete ? 0 : 1;
    }

    public static async Task<StormOutcome> RunStormAsync(BenchSilo silo, int agents, double? startRate, int graceSeconds = GraceSeconds, int marginSeconds = MarginSeconds)
    {
        if (startRate is null)
        {
            var pilotAgents = Math.Clamp(agents / 20, 100, 2000);
            var pilot = await silo.NewTenantAsync("pilot", autoEnd: false, 3600, 600);
            var pilotTime = await BenchSilo.ForAllAsync(pilotAgents, 64, i => silo.Agent(pilot, i).StartSession(AgentStatus.Ready, null));
            startRate = pilotAgents / pilotTime.TotalSeconds;
        }

        // A few hundred sessions go through a warning and an auto-end (1 s each) first, so the storm meets compiled code,
        // as in a silo that has been running: the first run of those paths inside the storm spent about 6% of the
        // storm's CPU in the JIT compiler.
        var warmUpAgents = Math.Clamp(agents / 20, 100, 500);
        var warmUp = await silo.NewTenantAsync("warm-up", autoEnd: true, 1, 1);
        await BenchSilo.ForAllAsync(warmUpAgents, 64, i => silo.Agent(warmUp, i).StartSession(AgentStatus.Ready, null));
        await WaitUntilEndedAsync(silo, warmUp, warmUpAgents, TimeSpan.FromMinutes(2));

        var timeoutSeconds = (int)Math.Ceiling(agents / startRate.Value * 1.5) + marginSeconds;
        var tenant = await silo.NewTenantAsync("storm", autoEnd: true, timeoutSeconds, graceSeconds);
        // A call that times out (a silo stalled past the 30 s response timeout, as at 500,000 open sessions) is counted
        // and the storm goes on: its agents are measured if their sessions started after all, and missing otherwise.
        var timedOut = 0;
        async Task CountingTimeoutsAsync(Task call)
        {
            try
            {
                await call;
            }
            catch (TimeoutException)
            {
                Interlocked.Increment(ref timedOut);
            }
        }

        var starts = await BenchSilo.ForAllAsync(agents, 64, i => CountingTimeoutsAsync(silo.Agent(tenant, i).StartSession(AgentStatus.Ready, null)));
        Measure.Log($"storm: started {agents:N0} in {starts.TotalSeconds:N1} s; timeout {timeoutSeconds} s, grace {graceSeconds} s{(timedOut > 0 ? $"; {timedOut:N0} starts timed out" : "")}");

        // A session that was auto-ended before the sweep (starts slower than the pilot promised) is counted below as
        // not active before the storm, which fails the figure with the reason in its log line.
        static async Task RecordActivityIfOpenAsync(IAgentGrain agent)
        {
            try
            {
                await agent.RecordActivity();
            }
            catch (WorkSessionException)
            {
            }
        }

        var sweep = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, agents).Select(i => CountingTimeoutsAsync(RecordActivityIfOpenAsync(silo.Agent(tenant, i)))));
        sweep.Stop();

        var lastActivity = new Dictionary<string, DateTimeOffset>(agents);
        var warnedEarly = 0;
        foreach (var chunk in Enumerable.Range(0, agents).Chunk(5000))
        {
            foreach (var view in await Task.WhenAll(chunk.Select(i => silo.Agent(tenant, i).GetSnapshot())))
            {
                if (view.State != SessionState.Active || view.Session is null)
                {
                    warnedEarly++;
                    continue;
                }

                lastActivity[view.AgentId] = view.Session.LastActivityAt;
            }
        }

        var window = lastActivity.Count == 0 ? TimeSpan.Zero : lastActivity.Values.Max() - lastActivity.Values.Min();
        Measure.Log($"storm: activity sweep {sweep.Elapsed.TotalSeconds:N2} s, deadlines within {window.TotalSeconds:N3} s, {warnedEarly} not active before the storm");

        // What the storm costs the process (CPU time, allocated bytes), in two phases: the warnings, from a second before
        // the first deadline for 5.5 s (as long as it was when the grace period was 5 s, so per-warning figures stay
        // comparable; a longer phase would add the idle silo's seconds), and the auto-ends, from half a second before the
        // first grace deadline until 2 s after the last one — before the bench reads the feed back, which is counted on
        // its own. Whatever the process does meanwhile counts too (report delivery, writes completing, collections, the
        // idle silo's timers); on PostgreSQL a 50,000 storm's writes outlast the warnings' phase.
        var timeout = TimeSpan.FromSeconds(timeoutSeconds);
        var grace = TimeSpan.FromSeconds(graceSeconds);
        var firstDeadline = lastActivity.Count == 0 ? DateTimeOffset.UtcNow : lastActivity.Values.Min() + timeout;
        var lastDeadline = lastActivity.Count == 0 ? DateTimeOffset.UtcNow : lastActivity.Values.Max() + timeout;
        await DelayUntilAsync(firstDeadline - TimeSpan.FromSeconds(1));
        var beforeStorm = ProcessCost.Now();
        await DelayUntilAsync(firstDeadline + TimeSpan.FromSeconds(Math.Min(graceSeconds, WarningPhaseSeconds)) - TimeSpan.FromSeconds(0.5));
        var afterWarnings = ProcessCost.Now();
        await DelayUntilAsync(firstDeadline + grace - TimeSpan.FromSeconds(0.5));
        var beforeEnds = ProcessCost.Now();
        await DelayUntilAsync(lastDeadline + grace + TimeSpan.FromSeconds(2));
        var afterEnds = ProcessCost.Now();

        // Then read the storm back from the feed until every session's end is there.
        var warnedAt = new Dictionary<string, (DateTimeOffset At, DateTimeOffset Deadline)>(agents);
        var endedAt = new Dictionary<string, DateTimeOffset>(agents);
        var reports = silo.Grains.GetReportGrain(tenant);
        var bound = Stopwatch.StartNew();
        var after = 0L;
        var eventsRead = 0L;
        while (endedAt.Count < lastActivity.Count && bound.Elapsed < TimeSpan.FromMinutes(3))
        {
            var page = await reports.GetEvents(after, 1000);
            eventsRead += page.Items.Count;
            foreach (var e in page.Items)
            {
                if (e.AgentId is null)
                {
                    continue;
                }

                if (e.Kind == FeedEventKinds.InactivityWarning && e.Deadline is { } deadline)
                {
                    warnedAt.TryAdd(e.AgentId, (e.At, deadline));
                }
                else if (e.Kind == FeedEventKinds.SessionEnded && e.Session is { EndReason: EndReason.InactivityTimeout } record)
                {
                    endedAt.TryAdd(e.AgentId, record.EndedAt);
                }
            }

            after = page.Items.Count > 0 ? page.Items[^1].Position : after;
            if (page.NextCursor is null)
            {
                await Task.Delay(250);
            }
        }

        var readBack = ProcessCost.Now() - afterEnds;
        Measure.Log($"storm: reading the feed back ({eventsRead:N0} events in pages of 1,000) took {readBack.Cpu.TotalSeconds:N1} s of CPU and {readBack.Allocated / 1048576.0:N0} MiB");
        var warningLateness = lastActivity.Where(a => warnedAt.ContainsKey(a.Key))
            .Select(a => (warnedAt[a.Key].At - (a.Value + timeout)).TotalMilliseconds).ToArray();
        var endLateness = warnedAt.Where(w => endedAt.ContainsKey(w.Key))
            .Select(w => (endedAt[w.Key] - w.Value.Deadline).TotalMilliseconds).ToArray();
        return new StormOutcome(agents, agents / starts.TotalSeconds, timeoutSeconds, window, warnedEarly, warningLateness, endLateness, timedOut)
        {
            Warnings = (afterWarnings - beforeStorm).Per(Math.Max(1, warnedAt.Count)),
            Ends = (afterEnds - beforeEnds).Per(Math.Max(1, endedAt.Count)),
        };
    }

    private static async Task DelayUntilAsync(DateTimeOffset moment)
    {
        if (moment - DateTimeOffset.UtcNow is { } wait && wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    private static async Task WaitUntilEndedAsync(BenchSilo silo, string tenant, int agents, TimeSpan bound)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < bound)
        {
            var views = await Task.WhenAll(Enumerable.Range(0, agents).Select(i => silo.Agent(tenant, i).GetSnapshot()));
            if (views.All(view => view.State == SessionState.None))
            {
                return;
            }

            await Task.Delay(500);
        }

        Measure.Log($"storm: the pilot's sessions had not all ended after {bound.TotalSeconds:N0} s");
    }
}

/// <summary>What one storm measured; lateness in milliseconds.</summary>
internal sealed record StormOutcome(int Agents, double StartsPerSecond, int TimeoutSeconds, TimeSpan Window, int WarnedEarly,
    double[] WarningLateness, double[] EndLateness, int TimedOutCalls)
{
    /// <summary>What the process spent in the warnings' phase, per warning.</summary>
    public ProcessCost Warnings { get; init; }

    /// <summary>What the process spent in the auto-ends' phase, per auto-end.</summary>
    public ProcessCost Ends { get; init; }

    public bool Complete => WarnedEarly == 0 && TimedOutCalls == 0 && WarningLateness.Length == Agents && EndLateness.Length == Agents;

    public void Report(string name)
    {
        Measure.ReportPercentiles($"{name}.warn", WarningLateness, 0.5, 0.99, 1.0);
        Measure.ReportPercentiles($"{name}.end", EndLateness, 0.5, 0.99, 1.0);
        Measure.Report($"{name}.window_ms", Window.TotalMilliseconds);
        Measure.Report($"{name}.timeout_s", TimeoutSeconds);
        Measure.Report($"{name}.missing", Agents - Math.Min(WarningLateness.Length, EndLateness.Length) + WarnedEarly);
        Measure.Report($"{name}.timed_out_calls", TimedOutCalls);
        Measure.Report($"{name}.warn.cpu_us_each", Warnings.Cpu.TotalMicroseconds);
        Measure.Report($"{name}.warn.kib_each", Warnings.Allocated / 1024.0);
        Measure.Report($"{name}.end.cpu_us_each", Ends.Cpu.TotalMicroseconds);
        Measure.Report($"{name}.end.kib_each", Ends.Allocated / 1024.0);
        Measure.Report($"{name}.warn.gc_pause_ms", Warnings.GcPause.TotalMilliseconds);
        Measure.Report($"{name}.warn.gen2", Warnings.FullCollections);
        Measure.Report($"{name}.end.gc_pause_ms", Ends.GcPause.TotalMilliseconds);
        Measure.Log($"{name}: {Agents:N0} agents, deadlines within {Window.TotalMilliseconds:N0} ms; warnings {WarningLateness.Length:N0}, auto-ends {EndLateness.Length:N0}, not active before {WarnedEarly}, calls timed out {TimedOutCalls}; CPU and bytes a warning {Warnings.Cpu.TotalMicroseconds:N0} µs, {Warnings.Allocated / 1024.0:N1} KiB, an auto-end {Ends.Cpu.TotalMicroseconds:N0} µs, {Ends.Allocated / 1024.0:N1} KiB");
    }
}

/// <summary>The process's CPU time and allocated bytes: a reading, or the difference of two.</summary>
/// <remarks>
/// The collector's pauses and full collections come along unchanged by <see cref="Per"/>: a pause stops every timer at
/// once, so it shows as lateness that every warning of the phase shares.
/// </remarks>
internal readonly record struct ProcessCost(TimeSpan Cpu, double Allocated, TimeSpan GcPause = default, int FullCollections = 0)
{
    public static ProcessCost Now() => new(
        Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false), GC.GetTotalPauseDuration(), GC.CollectionCount(2));

    public static ProcessCost operator -(ProcessCost later, ProcessCost earlier) => new(
        later.Cpu - earlier.Cpu, later.Allocated - earlier.Allocated, later.GcPause - earlier.GcPause, later.FullCollections - earlier.FullCollections);

    public ProcessCost Per(int count) => this with { Cpu = Cpu / count, Allocated = Allocated / count };
}
