using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using WorkSessions.Faults.Tests.Infrastructure;
using static WorkSessions.Faults.Tests.Infrastructure.FaultRun;
using WorkSessions.TestSupport;
using Xunit.Abstractions;

namespace WorkSessions.Faults.Tests;

/// <summary>
/// The silo that holds a wake shard is SIGKILLed (docs/architecture.md#timers-and-reminders): 3 silos with 4 wake
/// shards; 60 idle agents of one shard (timeout and grace 5 s, most warned when the silo dies) and 30 heartbeating
/// agents of the other shards (every 2 s, timeout 60 s). The shard and the idle agents that lived on the killed silo
/// are lost together, and no activation that survives knows them: every idle session still ends exactly once, for
/// inactivity, never before its deadline and at the latest failure detection plus one reminder period plus a timeout
/// and grace after the kill; no heartbeating agent is prompted.
/// </summary>
public sealed class ShardSiloKillTests(ITestOutputHelper output)
{
    private const int Shards = 4;
    private const int IdleShard = 0;
    private const int Idle = 60;
    private const int Heartbeaters = 30;
    private const int TimeoutSeconds = 5;
    private const int GraceSeconds = 5;

    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DetectionBound = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    private readonly FaultRun _run = new(output, "shard-kill");

    [Fact]
    public Task SiloHoldingAWakeShard_Killed_EveryIdleSessionOfTheShardEndsOnceWithinTheBound_NoWorkingAgentIsPrompted() =>
        _run.RunAsync(() => FaultCluster.StartAsync(3, $"--WorkSessions:WakeShards={Shards}"), RunAsync);

    private async Task RunAsync(FaultCluster cluster)
    {
        using var traffic = new Traffic(cluster);
        await cluster.WaitGatewaysReadyAsync();

        var tenant = TestIds.NewTenantId();
        var preferences = new { workSessionsEnabled = true, autoEndEnabled = true, inactivityTimeoutSeconds = TimeoutSeconds, gracePeriodSeconds = GraceSeconds };
        Assert.Equal(200, (await traffic.CallWithRetryAsync(0, HttpMethod.Put, "/api/v1/preferences/work-sessions", traffic.Token(tenant, "admin-1", "admin"), status => status == 200, preferences)).Status);
        var busyTenant = TestIds.NewTenantId();
        var busyPreferences = new { workSessionsEnabled = true, autoEndEnabled = true, inactivityTimeoutSeconds = 60, gracePeriodSeconds = 30 };
        Assert.Equal(200, (await traffic.CallWithRetryAsync(0, HttpMethod.Put, "/api/v1/preferences/work-sessions", traffic.Token(busyTenant, "admin-1", "admin"), status => status == 200, busyPreferences)).Status);

        using var stop = new CancellationTokenSource();
        var working = await StartAsync(traffic, busyTenant, "busy", Heartbeaters, inShard: false);
        var failedHeartbeats = new ConcurrentDictionary<int, int>();
        var heartbeating = working.Select(agent => HeartbeatAsync(traffic, agent, failedHeartbeats, stop.Token)).ToList();

        var idle = await StartAsync(traffic, tenant, "idle", Idle, inShard: true);
        var watchers = idle.ToDictionary(agent => agent.Id, agent => new StreamWatcher(traffic, agent.Token, agent.Index % 2));
        var streams = watchers.Values.Select(watcher => watcher.RunAsync(stop.Token)).ToList();
        await Task.WhenAll(watchers.Values.Select(watcher => watcher.Connected.Task)).WaitAsync(TimeSpan.FromSeconds(60));

        // The silo whose log says the idle agents' shard activated there (it stays: its scan timer keeps it alive).
        var shardLine = $"Wake shard {Shards}/{IdleShard} active";
        var holder = cluster.Silos.Single(silo => silo.ExitCode is null && silo.Output.Contains(shardLine, StringComparison.Ordinal));

        var warnedAt = idle.Max(agent => agent.LastActivityAt) + TimeSpan.FromSeconds(TimeoutSeconds + 0.5);
        if (warnedAt - TimeProvider.System.GetUtcNow() is { Ticks: > 0 } wait)
        {
            await Task.Delay(wait);
        }

        var killedAt = TimeProvider.System.GetUtcNow();
        var killing = TimeProvider.System.GetTimestamp();
        await holder.KillAsync();
        await Eventually.UntilAsync(() => cluster.MembershipStatusAsync(holder), status => status == FaultCluster.DeadStatus,
            TimeSpan.FromSeconds(60), "the killed silo to be declared dead", TimeSpan.FromMilliseconds(100));
        _run.Figure($"silo {holder.SiloPort} holding wake shard {Shards}/{IdleShard} SIGKILLed: declared dead after {Seconds(killing)}");

        var bound = killedAt + DetectionBound + ReminderPeriod + TimeSpan.FromSeconds(TimeoutSeconds + GraceSeconds) + Slack;
        await Eventually.UntilAsync(
            async () => (await StoredAgent.ReadAsync(cluster, tenant)).Count(pair => pair.Value.Open && watchers.ContainsKey(pair.Key)),
            open => open == 0,
            bound - TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(30),
            "every idle session of the shard to end",
            TimeSpan.FromSeconds(1));
        _run.Figure($"every idle session ended {Seconds(killing)} after the kill (bound {(bound - killedAt).TotalSeconds:F0} s); "
            + $"the killed silo had activated the shard: {holder.Output.Contains(shardLine, StringComparison.Ordinal)}; "
            + $"later shard activations: {cluster.Silos.Where(silo => silo != holder).Sum(silo => Count(silo.Output, shardLine))}");

        // Each idle agent starts a marker session: once every stream shows it, a second end would be on the stream.
        await StreamMarkers.MarkAsync(traffic, [.. idle.Select(agent => (agent.Token, watchers[agent.Id]))], TimeSpan.FromSeconds(120));
        await stop.CancelAsync();
        await Task.WhenAll(heartbeating);
        await Task.WhenAll(streams);

        var problems = new List<string>();
        var states = await cluster.AgentStatesAsync();
        var lateness = new List<TimeSpan>();
        foreach (var agent in idle)
        {
            var ends = watchers[agent.Id].Ended.Where(end => end.SessionId == agent.SessionId).ToList();
            if (ends.Count > 1 || ends.Any(end => end.Reason != "inactivityTimeout"))
            {
                problems.Add($"idle {agent.Id}: ends on its stream: {string.Join(", ", watchers[agent.Id].Ended)}");
            }

            if (ends.Count == 1)
            {
                var due = agent.LastActivityAt + TimeSpan.FromSeconds(TimeoutSeconds + GraceSeconds);
                if (ends[0].EndedAt < due || ends[0].EndedAt > bound)
                {
                    problems.Add($"idle {agent.Id}: ended at {ends[0].EndedAt:O}, due {due:O}, bound {bound:O}");
                }

                lateness.Add(ends[0].EndedAt - due);
            }
        }

        foreach (var agent in working)
        {
            var view = await traffic.CallWithRetryAsync(0, HttpMethod.Get, "/api/v1/me/work-session", agent.Token, status => status == 200);
            if ((Guid?)view.Body?["session"]?["sessionId"] != agent.SessionId || view.Body?["prompt"] is not null)
            {
                problems.Add($"working {agent.Id}: {view.Status} {view.Body?.ToJsonString()}");
            }
        }

        lateness.Sort();
        _run.Figure($"{Idle} idle sessions of the shard: {lateness.Count} ends seen on streams, after their deadline by median "
            + $"{(lateness.Count == 0 ? 0 : lateness[lateness.Count / 2].TotalSeconds):F1} s, worst {lateness.LastOrDefault().TotalSeconds:F1} s; "
            + $"{Heartbeaters} working agents, heartbeats failed: {Describe(failedHeartbeats)}; stored agents {states.Count}; problems: {problems.Count}");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(40)));
        Assert.True(traffic.ServerErrors == 0, $"Answers with a 5xx other than 503: {Describe(traffic.Statuses)}");
    }

    private static int Count(string text, string line) => text.Split('\n').Count(entry => entry.Contains(line, StringComparison.Ordinal));

    /// <summary>The shard of an agent as the silos place it: <c>(hash * N) &gt;&gt; 32</c> of its grain id's uniform hash.</summary>
    private static int ShardOf(string tenant, string agentId) =>
        (int)(((ulong)GrainId.Create("agent", AgentKey.Format(tenant, agentId)).GetUniformHashCode() * Shards) >> 32);

    private static async Task<List<Agent>> StartAsync(Traffic traffic, string tenant, string prefix, int count, bool inShard)
    {
        var ids = Enumerable.Range(0, 100_000).Select(index => $"{prefix}-{index.ToString("D5", CultureInfo.InvariantCulture)}")
            .Where(id => (ShardOf(tenant, id) == IdleShard) == inShard).Take(count).ToList();
        var agents = new ConcurrentBag<Agent>();
        await Parallel.ForEachAsync(ids.Select((id, index) => (id, index)), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (entry, _) =>
        {
            var token = traffic.Token(tenant, entry.id, "agent");
            var answer = await traffic.CallWithRetryAsync(entry.index % 2, HttpMethod.Post, "/api/v1/me/work-session", token, status => status is 200 or 201);
            if (answer.Status is not (200 or 201))
            {
                throw new InvalidOperationException($"Starting {entry.id}'s session answered {answer.Status}: {answer.Body?.ToJsonString()}");
            }

            var session = answer.Body!["session"]!;
            agents.Add(new Agent(entry.id, entry.index, token, (Guid)session["sessionId"]!, (DateTimeOffset)session["lastActivityAt"]!));
        });
        return [.. agents.OrderBy(agent => agent.Id, StringComparer.Ordinal)];
    }

    private static async Task HeartbeatAsync(Traffic traffic, Agent agent, ConcurrentDictionary<int, int> failed, CancellationToken stop)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next((int)HeartbeatEvery.TotalMilliseconds)), stop);
            while (!stop.IsCancellationRequested)
            {
                var next = Task.Delay(HeartbeatEvery, stop);
                var heartbeat = await traffic.CallWithRetryAsync(agent.Index % 2, HttpMethod.Post, "/api/v1/me/work-session/activity", agent.Token, status => status == 204);
                if (heartbeat.Status != 204)
                {
                    failed.AddOrUpdate(heartbeat.Status, 1, (_, count) => count + 1);
                }

                await next;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private sealed record Agent(string Id, int Index, string Token, Guid SessionId, DateTimeOffset LastActivityAt);
}
