using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using WorkSessions.Faults.Tests.Infrastructure;
using static WorkSessions.Faults.Tests.Infrastructure.FaultRun;
using WorkSessions.TestSupport;
using Xunit.Abstractions;

namespace WorkSessions.Faults.Tests;

/// <summary>
/// A silo paused with SIGSTOP until the others declare it dead, then resumed with SIGCONT (docs/architecture.md#recovery-rule):
/// its old activations wake up with their deadline timers long due and a view from before the pause, while newer
/// activations of the same agents serve them elsewhere. Three kinds of agents in one tenant (timeout and grace 20 s):
/// heartbeating agents (every 2 s, and a status change every few heartbeats, as a working agent does), idle agents,
/// and agents whose supervisor ends their session during the pause. Nothing the old activations decide may be stored,
/// reported or announced: no heartbeating agent is prompted or ended, every idle session ends once for inactivity,
/// every supervisor's end is the only end of its session, and the tenant's feed and reports agree.
/// </summary>
public sealed class FrozenSiloTests(ITestOutputHelper output)
{
    private const int PerKind = 30;
    private const int TimeoutSeconds = 20;
    private const int GraceSeconds = 20;

    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(2);

    /// <summary>Every heartbeater's last activity before the pause is past its inactivity deadline when the silo resumes.</summary>
    private static readonly TimeSpan PausedFor = TimeSpan.FromSeconds(TimeoutSeconds + 3);

    private readonly FaultRun _run = new(output, "frozen");

    [Fact]
    public Task PausedSilo_ResumedAfterDeclaredDead_StoresNothing_NoWorkingAgentIsPromptedOrEnded() => _run.RunAsync(RunAsync);

    private async Task RunAsync(FaultCluster cluster)
    {
        using var traffic = new Traffic(cluster);
        await cluster.WaitGatewaysReadyAsync();

        var tenant = TestIds.NewTenantId();
        var admin = traffic.Token(tenant, "admin-1", "admin");
        var supervisor = traffic.Token(tenant, "supervisor-1", "supervisor");
        var preferences = new { workSessionsEnabled = true, autoEndEnabled = true, inactivityTimeoutSeconds = TimeoutSeconds, gracePeriodSeconds = GraceSeconds };
        var put = await traffic.CallWithRetryAsync(0, HttpMethod.Put, "/api/v1/preferences/work-sessions", admin, status => status == 200, preferences);
        Assert.Equal(200, put.Status);
        var from = TimeProvider.System.GetUtcNow().AddMinutes(-1);

        var working = await StartAsync(traffic, tenant, "working");
        var idle = await StartAsync(traffic, tenant, "idle");
        var ended = await StartAsync(traffic, tenant, "ended");

        // Every agent's stream, so a prompt or an end that an old activation announces is seen.
        using var stop = new CancellationTokenSource();
        var watchers = working.Concat(idle).Concat(ended).ToDictionary(agent => agent.Id, agent => new StreamWatcher(traffic, agent.Token, agent.Index % 2));
        var streams = watchers.Values.Select(watcher => watcher.RunAsync(stop.Token)).ToList();
        await Task.WhenAll(watchers.Values.Select(watcher => watcher.Connected.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        var failedHeartbeats = new ConcurrentDictionary<int, int>();
        var resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstBeats = working.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        var heartbeating = working.Select((agent, index) => WorkAsync(traffic, agent, firstBeats[index], resumed.Task, failedHeartbeats, stop.Token)).ToList();

        // Heartbeats reach every working agent's first activation before the pause: each agent's first one has answered.
        await Task.WhenAll(firstBeats.Select(beat => beat.Task)).WaitAsync(TimeSpan.FromSeconds(60));
        var paused = cluster.Silos[0];
        var pausedOutput = 0;
        var pausedAt = TimeProvider.System.GetTimestamp();
        var pausedAtUtc = TimeProvider.System.GetUtcNow();
        paused.Freeze();
        try
        {
            await Eventually.UntilAsync(() => cluster.MembershipStatusAsync(paused), status => status == FaultCluster.DeadStatus,
                TimeSpan.FromSeconds(60), "the paused silo to be declared dead", TimeSpan.FromMilliseconds(100));
            _run.Figure($"silo {paused.SiloPort} paused (SIGSTOP): declared dead after {Seconds(pausedAt)}");

            // The supervisor ends a third of the sessions while the silo is paused: those that lived there are ended by a
            // newer activation, and the old one's due prompt must not follow.
            await Task.WhenAll(ended.Select(async agent =>
            {
                var end = await traffic.CallWithRetryAsync(agent.Index % 2, HttpMethod.Post, $"/api/v1/agents/{agent.Id}/work-session/end", supervisor,
                    status => status == 200, new { note = "shift over" });
                Assert.True(end.Status == 200, $"The supervisor's end of {agent.Id} answered {end.Status}: {end.Body?.ToJsonString()}");
            }));

            var rest = PausedFor - TimeProvider.System.GetElapsedTime(pausedAt);
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest);
            }
        }
        finally
        {
            pausedOutput = paused.Output.Length;
            paused.Thaw();
        }

        var resumedAt = TimeProvider.System.GetUtcNow();
        resumed.SetResult();
        var exitCode = await paused.WaitForExitAsync(TimeSpan.FromSeconds(60));
        _run.Figure($"silo resumed (SIGCONT) after {Seconds(pausedAt)} paused; it learned it was declared dead and exited with {exitCode}");
        var afterResume = paused.Output[pausedOutput..].Split('\n');
        _run.Figure($"the resumed silo before it stopped: {afterResume.Count(line => line.Contains(" warned, deadline", StringComparison.Ordinal))} prompts and "
            + $"{afterResume.Count(line => line.Contains(" ended session ", StringComparison.Ordinal))} ends stored, "
            + $"{afterResume.Count(line => line.Contains("could not write its state", StringComparison.Ordinal))} writes refused");

        // Until every idle session has ended (the paused silo's idle agents wait for their wake-up reminder), and at least
        // a full timeout and grace after the resume, by which a prompt an old activation stored would have ended its agent.
        var workingIds = working.Select(agent => agent.Id).ToHashSet(StringComparer.Ordinal);
        await Eventually.UntilAsync(
            async () => (await FeedAsync(traffic, supervisor)).Count(entry => (string?)entry["kind"] == "session-ended" && idle.Any(agent => agent.Id == (string?)entry["agentId"])),
            count => count >= idle.Count && TimeProvider.System.GetUtcNow() > resumedAt + TimeSpan.FromSeconds(TimeoutSeconds + GraceSeconds + 5),
            TimeSpan.FromMinutes(3), "every idle session's end in the feed", TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        await Task.WhenAll(heartbeating);
        await Task.WhenAll(streams);

        var feed = await FeedAsync(traffic, supervisor);
        var problems = new List<string>();
        CheckFeedOrder(feed, problems);

        var kinds = feed.GroupBy(entry => (string?)entry["agentId"] ?? "", StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.ToList(), StringComparer.Ordinal);
        List<JsonNode> Of(Agent agent, string kind) => kinds.TryGetValue(agent.Id, out var events) ? [.. events.Where(entry => (string?)entry["kind"] == kind)] : [];

        var promptedWorking = 0;
        var endedWorking = 0;
        foreach (var agent in working)
        {
            var prompts = Of(agent, "inactivity-warning").Count + watchers[agent.Id].Warnings;
            var ends = Of(agent, "session-ended").Count + watchers[agent.Id].Ended.Count;
            promptedWorking += prompts > 0 ? 1 : 0;
            endedWorking += ends > 0 ? 1 : 0;
            if (prompts > 0 || ends > 0)
            {
                problems.Add($"working {agent.Id}: {Of(agent, "inactivity-warning").Count} prompts in the feed (at {string.Join(", ", Of(agent, "inactivity-warning").Select(entry => (string?)entry["at"]))}; "
                    + $"paused {pausedAtUtc:O} to {resumedAt:O}), {watchers[agent.Id].Warnings} on its stream, "
                    + $"{Of(agent, "session-ended").Count} ends in the feed ({string.Join(", ", Of(agent, "session-ended").Select(entry => (string?)entry["session"]?["endReason"]))})");
            }

            var view = await traffic.CallWithRetryAsync(0, HttpMethod.Get, "/api/v1/me/work-session", agent.Token, status => status == 200);
            if ((Guid?)view.Body?["session"]?["sessionId"] != agent.SessionId || view.Body?["prompt"] is not null)
            {
                problems.Add($"working {agent.Id}: {view.Status} {view.Body?.ToJsonString()}");
            }
        }

        _run.Figure($"working agents (heartbeat every {HeartbeatEvery.TotalSeconds:F0} s): {promptedWorking} of {working.Count} prompted, {endedWorking} ended; "
            + $"heartbeats failed: {Describe(failedHeartbeats)}");

        foreach (var (kind, agents, reason) in new[] { ("idle", idle, "inactivityTimeout"), ("ended", ended, "endedBySupervisor") })
        {
            foreach (var agent in agents)
            {
                var ends = Of(agent, "session-ended");
                if (ends.Count != 1 || (string?)ends[0]["session"]?["endReason"] != reason || (Guid?)ends[0]["sessionId"] != agent.SessionId)
                {
                    problems.Add($"{kind} {agent.Id}: ends in the feed: {string.Join(", ", ends.Select(entry => entry.ToJsonString()))}");
                }

                if (watchers[agent.Id].Ended.Count(end => end.SessionId == agent.SessionId) > 1 || watchers[agent.Id].Ended.Any(end => end.Reason != reason))
                {
                    problems.Add($"{kind} {agent.Id}: ends on its stream: {string.Join(", ", watchers[agent.Id].Ended)}");
                }
            }
        }

        if (ended.Sum(agent => Of(agent, "inactivity-warning").Count) is var lateWarnings and > 0)
        {
            _run.Figure($"supervisor-ended agents: {lateWarnings} prompts in the feed (before their end)");
        }

        await CheckReportsAgreeAsync(traffic, supervisor, from, feed, working.Concat(idle).Concat(ended).ToList(), problems);
        _run.Figure($"feed: {feed.Count} events; answers by status: {Describe(traffic.Statuses)}; problems: {problems.Count}");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(40)));
        Assert.True(traffic.ServerErrors == 0, $"Answers with a 5xx other than 503: {Describe(traffic.Statuses)}");
    }

    /// <summary>Positions strictly increasing from the start of the feed, and no event twice.</summary>
    private static void CheckFeedOrder(List<JsonNode> feed, List<string> problems)
    {
        var seen = new HashSet<Guid>();
        long last = 0;
        foreach (var entry in feed)
        {
            var position = (long)entry["position"]!;
            if (position <= last)
            {
                problems.Add($"feed: position {position} after {last}");
            }

            last = position;
            if (!seen.Add((Guid)entry["eventId"]!))
            {
                problems.Add($"feed: event {entry["eventId"]} twice");
            }
        }
    }

    /// <summary>The sessions report holds each session once, ended as the feed says, with as many prompts as the feed.</summary>
    private static async Task CheckReportsAgreeAsync(Traffic traffic, string supervisor, DateTimeOffset from, List<JsonNode> feed, List<Agent> agents, List<string> problems)
    {
        var to = TimeProvider.System.GetUtcNow().AddMinutes(1);
        var range = $"from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(to.ToString("O", CultureInfo.InvariantCulture))}";
        var sessions = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var page = await traffic.CallWithRetryAsync(0, HttpMethod.Get, $"/api/v1/reports/work-sessions?{range}&limit=1000" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"),
                supervisor, status => status == 200);
            Assert.Equal(200, page.Status);
            sessions.AddRange(page.Body!["items"]!.AsArray().Select(item => item!));
            cursor = (string?)page.Body["nextCursor"];
        }
        while (cursor is not null);

        var bySession = sessions.GroupBy(row => (Guid)row["sessionId"]!).ToDictionary(group => group.Key, group => group.ToList());
        foreach (var agent in agents)
        {
            if (!bySession.TryGetValue(agent.SessionId, out var rows) || rows.Count != 1)
            {
                problems.Add($"report: session of {agent.Id} appears {(rows?.Count ?? 0)} times");
                continue;
            }

            var row = rows[0];
            var end = feed.SingleOrDefault(entry => (string?)entry["kind"] == "session-ended" && (Guid?)entry["sessionId"] == agent.SessionId);
            var prompts = feed.Count(entry => (string?)entry["kind"] == "inactivity-warning" && (Guid?)entry["sessionId"] == agent.SessionId);
            if ((string?)row["endReason"] != (string?)end?["session"]?["endReason"]
                || (DateTimeOffset?)row["endedAt"] != (DateTimeOffset?)end?["session"]?["endedAt"]
                || (int)row["promptCount"]! != prompts)
            {
                problems.Add($"report: {agent.Id} {row.ToJsonString()} against the feed's end {end?.ToJsonString()} and {prompts} prompts");
            }
        }
    }

    /// <summary>The tenant's whole feed, from position 0.</summary>
    private static async Task<List<JsonNode>> FeedAsync(Traffic traffic, string supervisor)
    {
        var feed = new List<JsonNode>();
        long after = 0;
        while (true)
        {
            var page = await traffic.CallWithRetryAsync(0, HttpMethod.Get, $"/api/v1/events?after={after}&limit=1000", supervisor, status => status == 200);
            Assert.Equal(200, page.Status);
            var items = page.Body!["items"]!.AsArray().Select(item => item!).ToList();
            feed.AddRange(items);
            if ((long?)page.Body["nextCursor"] is not { } next)
            {
                return feed;
            }

            after = next;
        }
    }

    private static async Task<List<Agent>> StartAsync(Traffic traffic, string tenant, string prefix)
    {
        var agents = new ConcurrentBag<Agent>();
        await Parallel.ForEachAsync(Enumerable.Range(0, PerKind), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (index, _) =>
        {
            var id = $"{prefix}-{index.ToString("D3", CultureInfo.InvariantCulture)}";
            var token = traffic.Token(tenant, id, "agent");
            var answer = await traffic.CallWithRetryAsync(index % 2, HttpMethod.Post, "/api/v1/me/work-session", token, status => status is 200 or 201);
            if (answer.Status is not (200 or 201))
            {
                throw new InvalidOperationException($"Starting {id}'s session answered {answer.Status}: {answer.Body?.ToJsonString()}");
            }

            agents.Add(new Agent(id, index, token, (Guid)answer.Body!["session"]!["sessionId"]!));
        });
        return [.. agents.OrderBy(agent => agent.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// A working agent, as a browser's interval timer drives it: a heartbeat every 2 s whether or not the previous one has
    /// answered; once the silo has resumed, a status change at once and every fourth beat after (a break, ready again).
    /// None while the silo is paused: until then the newer activations write nothing of their own, as most agents' would
    /// not, so only the fence stands between them and the old activations' writes. Sets <c>firstBeat</c> once the first
    /// heartbeat has answered.
    /// </summary>
    private static async Task WorkAsync(Traffic traffic, Agent agent, TaskCompletionSource firstBeat, Task resumed, ConcurrentDictionary<int, int> failed, CancellationToken stop)
    {
        var calls = new List<Task>();
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next((int)HeartbeatEvery.TotalMilliseconds)), stop);
            var changes = 0;
            var changing = Task.CompletedTask;
            var gateway = agent.Index % 2;
            for (var beat = 1; !stop.IsCancellationRequested; beat++)
            {
                var next = Task.Delay(HeartbeatEvery, stop);
                calls.RemoveAll(call => call.IsCompleted);
                calls.Add(HeartbeatAsync());
                if (resumed.IsCompleted && changing.IsCompleted && (changes == 0 || beat % 4 == 0))
                {
                    object status = changes++ % 2 == 1 ? new { status = "ready" } : new { status = "notReady", reason = "Break" };
                    changing = traffic.CallWithRetryAsync(gateway, HttpMethod.Put, "/api/v1/me/status", agent.Token, answer => answer == 200, status);
                    calls.Add(changing);
                }

                await next;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over.
        }

        await Task.WhenAll(calls);

        async Task HeartbeatAsync()
        {
            var heartbeat = await traffic.CallWithRetryAsync(agent.Index % 2, HttpMethod.Post, "/api/v1/me/work-session/activity", agent.Token, status => status == 204);
            if (heartbeat.Status != 204)
            {
                failed.AddOrUpdate(heartbeat.Status, 1, (_, count) => count + 1);
            }

            firstBeat.TrySetResult();
        }
    }

    private sealed record Agent(string Id, int Index, string Token, Guid SessionId);
}
