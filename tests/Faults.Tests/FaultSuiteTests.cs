using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using WorkSessions.Faults.Tests.Infrastructure;
using static WorkSessions.Faults.Tests.Infrastructure.FaultRun;
using WorkSessions.TestSupport;
using Xunit.Abstractions;

namespace WorkSessions.Faults.Tests;

/// <summary>
/// The cluster under faults, with real processes on loopback: 3 silos and 2 client-mode Gateways on PostgreSQL, started
/// at once on an empty database. Agents heartbeat all run; before each fault a cohort of 250 idle agents opens sessions
/// (1,000 in all, with auto-end after 5 s and a 5 s grace period, so most are warned when the fault hits) and holds event
/// streams. Faults, one after the other: (a) SIGKILL a silo, (b) a rolling restart of every silo by SIGTERM, (c) a
/// PostgreSQL restart with ~10 s of downtime, (d) SIGKILL a Gateway that holds a cohort's streams.
/// After all of them: every idle session ended exactly once, for inactivity, never before its deadline and at the latest
/// one failure detection plus one reminder period plus a timeout and grace after its fault was over; no heartbeat failed
/// after the client's one retry; no answer was a 500. The figures are printed (run with
/// <c>--logger "console;verbosity=detailed"</c> to see them).
/// </summary>
public sealed class FaultSuiteTests(ITestOutputHelper output)
{
    private const int IdlePerCohort = 250;
    private const int Heartbeaters = 100;
    private const int TimeoutSeconds = 5;
    private const int GraceSeconds = 5;

    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(2);

    /// <summary>Generous against the tuned detection (about 3–4 s, see FailureDetection): a loaded 2-core machine is slower.</summary>
    private static readonly TimeSpan DetectionBound = TimeSpan.FromSeconds(15);

    /// <summary>WorkSessions:WakeUpReminderPeriod, the silos' default: it wakes the grains of a lost silo.</summary>
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    private readonly FaultRun _run = new(output, "faults");

    [Fact]
    public Task Cluster_RidesThroughSiloKill_RollingRestart_DatabaseRestart_AndGatewayKill() => _run.RunAsync(RunAsync);

    private async Task RunAsync(FaultCluster cluster)
    {
        using var traffic = new Traffic(cluster);
        var started = TimeProvider.System.GetTimestamp();
        foreach (var gateway in new[] { 0, 1 })
        {
            await cluster.WaitGatewayReadyAsync(gateway);
        }

        _run.Figure($"cluster up: 3 silos + 2 Gateways started at once on an empty database, both Gateways ready after {Seconds(started)}");

        var tenant = TestIds.NewTenantId();
        var admin = traffic.Token(tenant, "admin-1", "admin");
        var preferences = new { workSessionsEnabled = true, autoEndEnabled = true, inactivityTimeoutSeconds = TimeoutSeconds, gracePeriodSeconds = GraceSeconds };
        var put = await traffic.CallWithRetryAsync(0, HttpMethod.Put, "/api/v1/preferences/work-sessions", admin, status => status == 200, preferences);
        Assert.Equal(200, put.Status);

        // Busy agents live in a tenant of their own with a long timeout: a heartbeat that is late under the faults must
        // not prompt them (a prompt stays until Continue, which these clients do not click).
        var busyTenant = TestIds.NewTenantId();
        var busyPreferences = new { workSessionsEnabled = true, autoEndEnabled = true, inactivityTimeoutSeconds = 60, gracePeriodSeconds = 30 };
        var busyPut = await traffic.CallWithRetryAsync(0, HttpMethod.Put, "/api/v1/preferences/work-sessions", traffic.Token(busyTenant, "admin-1", "admin"), status => status == 200, busyPreferences);
        Assert.Equal(200, busyPut.Status);

        using var stop = new CancellationTokenSource();
        var heartbeats = new HeartbeatTally();
        var heartbeaters = await StartSessionsAsync(traffic, busyTenant, "busy", Heartbeaters);
        var heartbeating = heartbeaters.Select((agent, index) => HeartbeatAsync(traffic, agent, index % 2, heartbeats, stop.Token)).ToList();

        var cohorts = new List<Cohort>();

        // (a) SIGKILL one silo while its grains hold open sessions.
        var a = await StartCohortAsync(traffic, tenant, "a", streamsOn: null, stop.Token);
        cohorts.Add(a);
        await WaitUntilWarnedAsync(a);
        var victim = cluster.Silos[0];
        var killedAt = TimeProvider.System.GetTimestamp();
        await victim.KillAsync();
        await Eventually.UntilAsync(() => cluster.MembershipStatusAsync(victim), status => status == FaultCluster.DeadStatus,
            TimeSpan.FromSeconds(60), "the killed silo to be declared dead", TimeSpan.FromMilliseconds(100));
        var detection = TimeProvider.System.GetElapsedTime(killedAt);
        _run.Figure($"(a) silo SIGKILLed: declared dead after {detection.TotalSeconds:F1} s");
        await StartActiveSiloAsync(cluster);
        a.FaultOver = TimeProvider.System.GetUtcNow();

        // (b) Rolling restart: each silo stopped with SIGTERM and replaced before the next goes.
        var b = await StartCohortAsync(traffic, tenant, "b", streamsOn: null, stop.Token);
        cohorts.Add(b);
        await WaitUntilWarnedAsync(b);
        var rolling = TimeProvider.System.GetTimestamp();
        // Like a deployment with one spare: each silo's replacement is active before it gets SIGTERM; the next replacement
        // starts while the previous silo stops.
        var old = cluster.Silos.Where(silo => silo.ExitCode is null).ToList();
        var replacing = StartActiveSiloAsync(cluster);
        foreach (var silo in old)
        {
            await replacing;
            var stopping = TimeProvider.System.GetTimestamp();
            replacing = silo == old[^1] ? Task.CompletedTask : StartActiveSiloAsync(cluster);
            var exitCode = await silo.TerminateAsync(TimeSpan.FromSeconds(60));
            var stopTook = TimeProvider.System.GetElapsedTime(stopping);
            Assert.True(exitCode == 0, $"A silo stopped by SIGTERM exited with {exitCode}:\n{silo.Output}");
            // A graceful stop leaves membership itself: the row says dead without anyone voting.
            Assert.Equal(FaultCluster.DeadStatus, await cluster.MembershipStatusAsync(silo));
            _run.Figure($"(b) silo {silo.SiloPort}: SIGTERM to exit {stopTook.TotalSeconds:F1} s, left membership cleanly");
        }

        await replacing;
        b.FaultOver = TimeProvider.System.GetUtcNow();
        _run.Figure($"(b) rolling restart of 3 silos: {Seconds(rolling)}");

        // (c) PostgreSQL down for ~10 s.
        var c = await StartCohortAsync(traffic, tenant, "c", streamsOn: null, stop.Token);
        cohorts.Add(c);
        await WaitUntilWarnedAsync(c);
        await cluster.Postgres.StopAsync();
        var down = TimeProvider.System.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(10));
        await cluster.Postgres.RestartAsync();
        var back = TimeProvider.System.GetTimestamp();
        _run.Figure($"(c) PostgreSQL down {TimeProvider.System.GetElapsedTime(down, back).TotalSeconds:F1} s");
        var probe = traffic.Token(tenant, "probe-after-database", "agent");
        await Eventually.UntilAsync(
            async () => (await traffic.CallAsync(0, HttpMethod.Post, "/api/v1/me/work-session", probe)).Status,
            status => status is 200 or 201, TimeSpan.FromSeconds(60), "a write to succeed after the database restart", TimeSpan.FromMilliseconds(250));
        _run.Figure($"(c) first session start stored {Seconds(back)} after the database was back");
        c.FaultOver = TimeProvider.System.GetUtcNow();

        // (d) SIGKILL the Gateway holding a cohort's event streams: they reconnect to the other one.
        var d = await StartCohortAsync(traffic, tenant, "d", streamsOn: 1, stop.Token);
        cohorts.Add(d);
        await WaitUntilWarnedAsync(d);
        await cluster.Gateways[1].KillAsync();
        await Eventually.UntilAsync(() => Task.FromResult(d.Agents.Count(agent => !agent.Watcher!.Reconnections.IsEmpty)),
            reconnected => reconnected == IdlePerCohort, TimeSpan.FromSeconds(60), "every stream of the killed Gateway to reconnect");
        var reconnect = d.Agents.Max(agent => agent.Watcher!.Reconnections.Max());
        _run.Figure($"(d) Gateway SIGKILLed with {IdlePerCohort} streams: all reconnected to the other Gateway, the slowest after {reconnect.TotalSeconds:F1} s");
        await cluster.StartGatewayAsync(1);
        await cluster.WaitGatewayReadyAsync(1);
        d.FaultOver = TimeProvider.System.GetUtcNow();

        // Every idle session ends by its bound; then each idle agent starts a marker session, and once every stream shows
        // it, a second end would be on the stream (the stored states are read before the markers open sessions again).
        var idle = cohorts.SelectMany(cohort => cohort.Agents.Select(agent => (Cohort: cohort, Agent: agent))).ToList();
        var lastBound = cohorts.Max(Bound);
        await Eventually.UntilAsync(
            async () =>
            {
                var states = await StoredAgent.ReadAsync(cluster, tenant);
                return idle.Count(entry => states.TryGetValue(entry.Agent.Id, out var state) && state.Open);
            },
            open => open == 0,
            lastBound - TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(30),
            "every idle session to end",
            TimeSpan.FromSeconds(1));
        var ended = await StoredAgent.ReadAsync(cluster, tenant);
        await StreamMarkers.MarkAsync(traffic, [.. idle.Select(entry => (entry.Agent.Token, entry.Agent.Watcher!))], TimeSpan.FromSeconds(180));
        await stop.CancelAsync();
        await Task.WhenAll(heartbeating);
        await Task.WhenAll(cohorts.SelectMany(cohort => cohort.Streams));

        _run.Figure($"heartbeats: {heartbeats.Total} sent by {Heartbeaters} agents every {HeartbeatEvery.TotalSeconds:F0} s; "
            + $"failed on the first attempt: {Describe(heartbeats.FirstAttemptFailures)}; failed after the client's one retry: {Describe(heartbeats.FailedAfterRetry)}");
        _run.Figure($"answers by status: {Describe(traffic.Statuses)}");
        AssertIdleSessions(ended, cohorts);
        await AssertBusySessionsKeptAsync(traffic, heartbeaters);

        Assert.True(heartbeats.FailedAfterRetry.IsEmpty, $"Heartbeats failed after a retry: {Describe(heartbeats.FailedAfterRetry)}");
        Assert.True(traffic.ServerErrors == 0, $"Answers with a 5xx other than 503: {Describe(traffic.Statuses)}");
    }

    private void AssertIdleSessions(Dictionary<string, StoredAgent> states, List<Cohort> cohorts)
    {
        var problems = new List<string>();
        foreach (var cohort in cohorts)
        {
            var lateness = new List<TimeSpan>();
            var unobserved = 0;
            foreach (var agent in cohort.Agents)
            {
                var ends = agent.Watcher!.Ended.Where(end => end.SessionId == agent.SessionId).ToList();
                if (agent.Watcher.Ended.Any(end => end.SessionId != agent.SessionId && end.SessionId != agent.Watcher.Marker))
                {
                    problems.Add($"{cohort.Name}/{agent.Id}: an end of a session it never started");
                }

                if (ends.Count > 1)
                {
                    problems.Add($"{cohort.Name}/{agent.Id}: session ended {ends.Count} times");
                }

                if (!states.TryGetValue(agent.Id, out var state) || state.Open)
                {
                    problems.Add($"{cohort.Name}/{agent.Id}: session not ended");
                    continue;
                }

                if (ends.Count > 0 && ends[0].Reason != "inactivityTimeout")
                {
                    problems.Add($"{cohort.Name}/{agent.Id}: ended for {ends[0].Reason}");
                }

                // An end the stream did not see as an event (it happened while the stream reconnected) is the agent's
                // latest recorded time in storage.
                DateTimeOffset endedAt;
                if (ends.Count > 0)
                {
                    endedAt = ends[0].EndedAt;
                }
                else
                {
                    unobserved++;
                    endedAt = state.LatestRecordedAt ?? DateTimeOffset.MaxValue;
                }

                var due = agent.LastActivityAt + TimeSpan.FromSeconds(TimeoutSeconds + GraceSeconds);
                if (endedAt < due)
                {
                    problems.Add($"{cohort.Name}/{agent.Id}: ended at {endedAt:O}, before its deadline {due:O}");
                }
                else if (endedAt > Bound(cohort))
                {
                    problems.Add($"{cohort.Name}/{agent.Id}: ended at {endedAt:O}, after the bound {Bound(cohort):O}");
                }

                lateness.Add(endedAt - due);
            }

            lateness.Sort();
            var warnings = cohort.Agents.Sum(agent => agent.Watcher!.Warnings);
            _run.Figure($"({cohort.Name}) {cohort.Agents.Count} idle sessions: {warnings} prompts seen on streams; ended after their deadline by "
                + $"median {Median(lateness).TotalSeconds:F1} s, worst {lateness.LastOrDefault().TotalSeconds:F1} s "
                + $"(bound {(Bound(cohort) - cohort.Agents.Max(agent => agent.LastActivityAt) - TimeSpan.FromSeconds(TimeoutSeconds + GraceSeconds)).TotalSeconds:F0} s); "
                + $"{unobserved} ends read from storage because the stream was reconnecting");
        }

        _run.Figure($"idle sessions: {cohorts.Sum(cohort => cohort.Agents.Count)} started, problems: {problems.Count}");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(30)));
    }

    private static async Task AssertBusySessionsKeptAsync(Traffic traffic, List<Agent> heartbeaters)
    {
        var lost = new List<string>();
        foreach (var agent in heartbeaters)
        {
            var view = await traffic.CallWithRetryAsync(0, HttpMethod.Get, "/api/v1/me/work-session", agent.Token, status => status == 200);
            if (view.Status != 200 || (Guid?)view.Body?["session"]?["sessionId"] != agent.SessionId)
            {
                lost.Add($"{agent.Id}: {view.Status} {view.Body?.ToJsonString()}");
            }
        }

        Assert.True(lost.Count == 0, "Heartbeating agents lost their session:\n" + string.Join("\n", lost.Take(20)));
    }

    /// <summary>The latest an idle session of the cohort may end: its fault over, then detection, a reminder period, a full timeout and grace.</summary>
    private static DateTimeOffset Bound(Cohort cohort)
    {
        var due = cohort.Agents.Max(agent => agent.LastActivityAt) + TimeSpan.FromSeconds(TimeoutSeconds + GraceSeconds);
        var over = cohort.FaultOver ?? DateTimeOffset.MaxValue - ReminderPeriod - DetectionBound - TimeSpan.FromMinutes(1);
        return (over > due ? over : due) + DetectionBound + ReminderPeriod + TimeSpan.FromSeconds(TimeoutSeconds + GraceSeconds) + Slack;
    }

    private async Task<Cohort> StartCohortAsync(Traffic traffic, string tenant, string name, int? streamsOn, CancellationToken stop)
    {
        var cohort = new Cohort(name);
        cohort.Agents.AddRange(await StartSessionsAsync(traffic, tenant, "idle-" + name, IdlePerCohort));
        for (var i = 0; i < cohort.Agents.Count; i++)
        {
            var agent = cohort.Agents[i];
            agent.Watcher = new StreamWatcher(traffic, agent.Token, streamsOn ?? i % 2);
            cohort.Streams.Add(agent.Watcher.RunAsync(stop));
        }

        await Task.WhenAll(cohort.Agents.Select(agent => agent.Watcher!.Connected.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        return cohort;
    }

    private static async Task<List<Agent>> StartSessionsAsync(Traffic traffic, string tenant, string prefix, int count)
    {
        var agents = new ConcurrentBag<Agent>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (index, _) =>
        {
            var id = $"{prefix}-{index.ToString("D4", CultureInfo.InvariantCulture)}";
            var token = traffic.Token(tenant, id, "agent");
            var answer = await traffic.CallWithRetryAsync(index % 2, HttpMethod.Post, "/api/v1/me/work-session", token, status => status is 200 or 201);
            if (answer.Status is not (200 or 201))
            {
                throw new InvalidOperationException($"Starting {id}'s session answered {answer.Status}: {answer.Body?.ToJsonString()}");
            }

            var session = answer.Body!["session"]!;
            agents.Add(new Agent(id, token, (Guid)session["sessionId"]!, (DateTimeOffset)session["lastActivityAt"]!));
        });
        return [.. agents.OrderBy(agent => agent.Id, StringComparer.Ordinal)];
    }

    /// <summary>Waits until the cohort's first prompts are due and a little more, so most of it is warned when the fault hits.</summary>
    private static async Task WaitUntilWarnedAsync(Cohort cohort)
    {
        var warned = cohort.Agents.Max(agent => agent.LastActivityAt) + TimeSpan.FromSeconds(TimeoutSeconds) + TimeSpan.FromSeconds(0.5);
        var wait = warned - TimeProvider.System.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    private static async Task HeartbeatAsync(Traffic traffic, Agent agent, int gateway, HeartbeatTally tally, CancellationToken stop)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next((int)HeartbeatEvery.TotalMilliseconds)), stop);
            while (!stop.IsCancellationRequested)
            {
                var next = Task.Delay(HeartbeatEvery, stop);
                Interlocked.Increment(ref tally.Total);
                var first = await traffic.CallAsync(gateway, HttpMethod.Post, "/api/v1/me/work-session/activity", agent.Token);
                if (first.Status != 204)
                {
                    tally.FirstAttemptFailures.AddOrUpdate(first.Status, 1, (_, count) => count + 1);
                    await Task.Delay(Traffic.ClientRetryDelay, stop);
                    var retry = await traffic.CallAsync(1 - gateway, HttpMethod.Post, "/api/v1/me/work-session/activity", agent.Token);
                    if (retry.Status != 204)
                    {
                        tally.FailedAfterRetry.AddOrUpdate(retry.Status, 1, (_, count) => count + 1);
                    }
                }

                await next;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private async Task StartActiveSiloAsync(FaultCluster cluster)
    {
        var starting = TimeProvider.System.GetTimestamp();
        var silo = await cluster.StartSiloAsync();
        await WaitActiveAsync(cluster, silo);
        _run.Figure($"    silo {silo.SiloPort} started and active in {Seconds(starting)}");
    }

    private static Task WaitActiveAsync(FaultCluster cluster, SiloProcess silo) =>
        Eventually.UntilAsync(() => cluster.MembershipStatusAsync(silo), status => status == FaultCluster.ActiveStatus,
            TimeSpan.FromSeconds(60), $"silo {silo.SiloPort} to be active", TimeSpan.FromMilliseconds(100));

    private static TimeSpan Median(List<TimeSpan> sorted) => sorted.Count == 0 ? TimeSpan.Zero : sorted[sorted.Count / 2];

    private sealed class Agent(string id, string token, Guid sessionId, DateTimeOffset lastActivityAt)
    {
        public string Id => id;

        public string Token => token;

        public Guid SessionId => sessionId;

        public DateTimeOffset LastActivityAt => lastActivityAt;

        public StreamWatcher? Watcher { get; set; }
    }

    private sealed class Cohort(string name)
    {
        public string Name => name;

        public List<Agent> Agents { get; } = [];

        public List<Task> Streams { get; } = [];

        /// <summary>When the fault was over (the silo replaced, the database back, the Gateway back).</summary>
        public DateTimeOffset? FaultOver { get; set; }
    }

    private sealed class HeartbeatTally
    {
        public int Total;

        public ConcurrentDictionary<int, int> FirstAttemptFailures { get; } = new();

        public ConcurrentDictionary<int, int> FailedAfterRetry { get; } = new();
    }
}
