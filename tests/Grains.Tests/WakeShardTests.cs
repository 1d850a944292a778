using Microsoft.Extensions.DependencyInjection;
using WorkSessions.Contracts;
using WorkSessions.Hosting;
using WorkSessions.TestSupport;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// Wake shards (docs/architecture.md#timers-and-reminders): a session is a member of its shard before it is stored, a
/// shard wakes the agents it may have lost, a stored per-agent wake-up reminder is honoured once and retired, and a
/// late leave of an older session never removes a newer one.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WakeShardTests(ClusterFixture fixture)
{
    private static readonly WorkSessionPreferences AutoEnd = new(true, true, InactivityTimeoutSeconds: 60, GracePeriodSeconds: 30);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);
    private static readonly WorkSessionsOptions Defaults = new();

    [Fact]
    public async Task Start_JoinsTheShardBeforeItsWrite_AndAMemberWithoutASessionIsLeftAtTheNextScan()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");

        // The start's write fails: the member row is there already, because the join came first.
        fixture.Storage.FailNextWrite(agent.GetGrainId());
        await Assert.ThrowsAnyAsync<Exception>(() => agent.StartSession(AgentStatus.Ready, null));
        Assert.Single(await MembersAsync(agent));
        Assert.Equal(SessionState.None, (await agent.GetSnapshot()).State);

        // Its shard forgets where it runs (a shard that activates again): the next scan asks, hears no session, and leaves.
        await fixture.DeactivateAsync(Shard(agent));
        await Shard(agent).Poke();
        await Eventually.UntilAsync(() => MembersAsync(agent), members => members.Count == 0, TimeSpan.FromSeconds(10), "the member to leave");

        // A start that is stored is a member with its session.
        var started = await agent.StartSession(AgentStatus.Ready, null);
        Assert.Equal([started.View.Session!.SessionId], (await MembersAsync(agent)).Select(m => m.SessionId));
    }

    [Fact]
    public async Task AgentAwayWithADeadline_IsWokenWithinAScan_AndTheGapCountsAsActivity()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);

        // A graceful deactivation (a shutdown, a deploy, a rebalancing) with the deadline inside the gap.
        await fixture.DeactivateAsync(agent);
        Assert.True(await ScanUntilActiveAsync(agent), "the shard should have woken the agent within a few scans");
        var wokenAt = fixture.Time.GetUtcNow();
        Assert.Equal(SessionState.Active, (await agent.GetSnapshot()).State);

        await fixture.AdvanceAsync(Timeout);
        Assert.Equal(new PromptView(wokenAt + Timeout, wokenAt + Timeout + Grace), (await agent.GetSnapshot()).Prompt);
        await fixture.AdvanceAsync(Grace);
        Assert.Equal(SessionState.None, (await agent.GetSnapshot()).State);
    }

    [Fact]
    public async Task StrandedAgent_UnknownToAShardThatActivatedAgain_IsWokenByItsFirstScan()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);

        // The shard goes first (its silo lost): its new activation knows the member only from its row. Then the
        // agent's activation goes without a word reaching the shard, as on a silo killed outright.
        await fixture.DeactivateAsync(Shard(agent));
        await fixture.DeactivateAsync(agent);
        await fixture.DeactivateAsync(Shard(agent));

        await Shard(agent).Poke();
        await Eventually.UntilAsync(
            () => Task.FromResult(fixture.Cluster.TryGetGrainContext(agent.GetGrainId(), out _)), woken => woken,
            TimeSpan.FromSeconds(10), "the shard to wake the agent", TimeSpan.FromMilliseconds(10));
        Assert.Equal(SessionState.Active, (await agent.GetSnapshot()).State);
    }

    [Fact]
    public async Task StoredWakeUpReminder_IsHonouredOnce_ThenRetiredByJoiningTheShard()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd with { InactivityTimeoutSeconds = 3600 });
        var agent = fixture.Agent(tenant, "alice");
        var session = (await agent.StartSession(AgentStatus.Ready, null)).View.Session!.SessionId;

        // A session stored before wake shards: a per-agent reminder row, no member row, no shard that knows it.
        var reminders = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<IReminderTable>();
        await reminders.UpsertRow(new ReminderEntry
        {
            GrainId = agent.GetGrainId(),
            ReminderName = WakeUpReminder.Name,
            StartAt = fixture.Time.GetUtcNow().UtcDateTime,
            Period = Defaults.WakeUpReminderPeriod,
        });
        await fixture.WakeStore.ApplyAsync([], [new(agent.GetPrimaryKeyString(), agent.GetGrainId().GetUniformHashCode(), session)], CancellationToken.None);
        await fixture.DeactivateAsync(Shard(agent));
        await fixture.DeactivateAsync(agent);
        Assert.Empty(await MembersAsync(agent));

        // The reminder service finds the row when it next reads its range, and the tick wakes the agent. How many minutes
        // that takes depends on when the service's real-time read of the table lands, so the clock moves a minute at a
        // time until the tick, for at most half the session's hour of inactivity (the assertions below still hold then).
        var ticked = ClusterFixture.WaitForReminderTickAsync(agent.GetGrainId());
        for (var minute = 0; minute < 30 && !ticked.IsCompleted; minute++)
        {
            await fixture.AdvanceAsync(Defaults.WakeUpReminderPeriod);
            await Task.WhenAny(ticked, Task.Delay(500));
        }

        await ticked;
        await Eventually.UntilAsync(
            () => reminders.ReadRow(agent.GetGrainId(), WakeUpReminder.Name), reminder => reminder is null,
            TimeSpan.FromSeconds(10), "the stored reminder to be retired");
        Assert.Equal([session], (await MembersAsync(agent)).Select(m => m.SessionId));
        Assert.Equal(SessionState.Active, (await agent.GetSnapshot()).State);
    }

    [Fact]
    public async Task LateLeaveOfAnOlderSession_LeavesTheNewerOneAMember()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        var first = (await agent.StartSession(AgentStatus.Ready, null)).View.Session!.SessionId;
        await agent.EndSession(Actor.Agent("alice"), null);
        var second = (await agent.StartSession(AgentStatus.Ready, null)).View.Session!.SessionId;

        // The leave of the first session arrives after the second joined (one-way messages are not ordered).
        var shard = Shard(agent);
        await shard.Leave(agent.GetPrimaryKeyString(), first);

        // A join of another agent of the same shard goes in the same write as that leave or a later one.
        var other = SameShardAgent(tenant, agent);
        await shard.Join(other.GetPrimaryKeyString(), Guid.NewGuid(), new WakeLocation(fixture.Cluster.Silos[0].SiloAddress, ActivationId.NewId()));
        Assert.Equal([second], (await MembersAsync(agent)).Select(m => m.SessionId));
    }

    /// <summary>
    /// Advances the clock a scan period at a time (the one-way away may reach the shard after a scan) until the agent runs.
    /// Each scan's wake-up is given a bound only a broken product needs, not a window a busy machine may miss.
    /// </summary>
    private async Task<bool> ScanUntilActiveAsync(IAgentGrain agent)
    {
        for (var scan = 0; scan < 3; scan++)
        {
            await fixture.AdvanceAsync(Defaults.WakeScanPeriod);
            for (var poll = 0; poll < 1000; poll++)
            {
                if (fixture.Cluster.TryGetGrainContext(agent.GetGrainId(), out _))
                {
                    return true;
                }

                await Task.Delay(10);
            }
        }

        return false;
    }

    private IWakeShard Shard(IAgentGrain agent) => fixture.Grains.GetWakeShard(Defaults.WakeShards, agent.GetGrainId());

    private async Task<List<Storage.WakeMember>> MembersAsync(IAgentGrain agent)
    {
        var hash = agent.GetGrainId().GetUniformHashCode();
        return [.. (await fixture.WakeStore.ReadRangeAsync(hash, hash, CancellationToken.None)).Where(m => m.AgentKey == agent.GetPrimaryKeyString())];
    }

    private IAgentGrain SameShardAgent(string tenant, IAgentGrain agent)
    {
        var shard = WakeShards.KeyOf(Defaults.WakeShards, agent.GetGrainId());
        return Enumerable.Range(0, 100_000).Select(i => fixture.Agent(tenant, $"other-{i}"))
            .First(other => WakeShards.KeyOf(Defaults.WakeShards, other.GetGrainId()) == shard);
    }
}
