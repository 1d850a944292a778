using System.Globalization;
using System.Threading.Channels;
using WorkSessions.Contracts;
using WorkSessions.TestSupport;

namespace WorkSessions.Grains.Tests;

/// <summary>Not-ready limits and the end of a team's shift through the grains, on fake time to the second (docs/architecture.md#limits).</summary>
[Collection(ClusterCollection.Name)]
public sealed class LimitGrainTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Push = TimeSpan.FromSeconds(10);

    // Auto-end off: inactivity stays out of the way of the limits.
    private static readonly WorkSessionPreferences Tenant = new(true, false, InactivityTimeoutSeconds: 600, GracePeriodSeconds: 30);

    [Fact]
    public async Task NotReadyLimit_WarnsThenEndsTheSessionStatusLimit_ToTheSecond_CountedFromTheStatusChange()
    {
        var tenant = await fixture.NewTenantAsync(Tenant with { NotReadyLimits = [new NotReadyLimit("Break", 120, 30, StatusLimitAction.EndSession)] });
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        var (events, reference, observer) = await SubscribeAsync(agent);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(500));
        await agent.SetStatus(AgentStatus.NotReady, "Break");
        var since = fixture.Time.GetUtcNow();

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(89));
        await agent.GetSnapshot();
        Assert.DoesNotContain(await DrainAsync(events), e => e is StatusLimitWarned);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        var warned = await NextOfAsync<StatusLimitWarned>(events);
        Assert.Equal((since.AddSeconds(90), since.AddSeconds(120), "Break"), (warned.At, warned.LimitAt, warned.Reason));

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(29));
        Assert.Equal(SessionState.Active, (await agent.GetSnapshot()).State);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        var reached = await NextOfAsync<StatusLimitReached>(events);
        var ended = await NextOfAsync<SessionEnded>(events);

        Assert.Equal((StatusLimitAction.EndSession, since, since.AddSeconds(120)), (reached.Action, reached.Since, reached.At));
        Assert.Equal((EndReason.StatusLimit, since.AddSeconds(120)), (ended.Record.EndReason, ended.Record.EndedAt));
        var view = await agent.GetSnapshot();
        Assert.Equal((SessionState.None, AgentStatus.Offline), (view.State, view.Status));
        Unsubscribe(agent, reference, observer);
    }

    [Fact]
    public async Task ShiftEnd_WarnsBefore_AndEndsShiftEndedWhenTheEngagementOpenAtTheTimeEnds()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        var endsAt = NextWholeMinute(fixture.Time.GetUtcNow()).AddMinutes(5);
        var team = fixture.Grains.GetTeamGrain(tenant, "day");
        await team.Put(new TeamDefinition("Day", "UTC", [], new TeamPreferenceOverrides(ShiftEnd: new ShiftEnd(HhMm(endsAt), 2))), null, "admin-1");
        await team.ChangeMembers(["bob"], [], "admin-1");
        var agent = fixture.Agent(tenant, "bob");
        await agent.StartSession(AgentStatus.Ready, null);
        var (events, reference, observer) = await SubscribeAsync(agent);

        await fixture.AdvanceAsync(endsAt.AddMinutes(-2).AddSeconds(-1) - fixture.Time.GetUtcNow());
        await agent.GetSnapshot();
        Assert.DoesNotContain(await DrainAsync(events), e => e is ShiftEnding);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        var ending = await NextOfAsync<ShiftEnding>(events);
        Assert.Equal((endsAt.AddMinutes(-2), endsAt), (ending.At, ending.EndsAt));

        await agent.BeginEngagement("call-1");
        await fixture.AdvanceAsync(TimeSpan.FromMinutes(2).Add(TimeSpan.FromSeconds(37)));
        Assert.Equal(SessionState.Active, (await agent.GetSnapshot()).State);
        await agent.EndEngagement("call-1");

        var ended = await NextOfAsync<SessionEnded>(events);
        Assert.Equal((EndReason.ShiftEnded, endsAt.AddSeconds(37)), (ended.Record.EndReason, ended.Record.EndedAt));
        Assert.Equal(AgentStatus.Offline, (await agent.GetSnapshot()).Status);
        Unsubscribe(agent, reference, observer);
    }

    [Fact]
    public async Task ATeamsShiftEndChange_ReachesAnOpenSession()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        var team = fixture.Grains.GetTeamGrain(tenant, "late");
        var start = fixture.Time.GetUtcNow();
        await team.Put(new TeamDefinition("Late", "UTC", [], new TeamPreferenceOverrides(ShiftEnd: new ShiftEnd(HhMm(start.AddHours(6)), 5))), null, "admin-1");
        await team.ChangeMembers(["carol"], [], "admin-1");
        var agent = fixture.Agent(tenant, "carol");
        await agent.StartSession(AgentStatus.Ready, null);
        var (events, reference, observer) = await SubscribeAsync(agent);
        var endsAt = NextWholeMinute(fixture.Time.GetUtcNow()).AddMinutes(10);

        await team.Put(new TeamDefinition("Late", "UTC", [], new TeamPreferenceOverrides(ShiftEnd: new ShiftEnd(HhMm(endsAt), 5))), null, "admin-1");
        await Eventually.UntilAsync(
            () => agent.GetEffectivePreferences(), p => p.ShiftEnd?.Time == HhMm(endsAt), Push, "the change to reach carol");

        await fixture.AdvanceAsync(endsAt.AddMinutes(-5) - fixture.Time.GetUtcNow());
        Assert.Equal(endsAt, (await NextOfAsync<ShiftEnding>(events)).EndsAt);
        await fixture.AdvanceAsync(TimeSpan.FromMinutes(5));
        var ended = await NextOfAsync<SessionEnded>(events);
        Assert.Equal((EndReason.ShiftEnded, endsAt), (ended.Record.EndReason, ended.Record.EndedAt));
        Unsubscribe(agent, reference, observer);
    }

    private static DateTimeOffset NextWholeMinute(DateTimeOffset time) =>
        new DateTimeOffset(time.Year, time.Month, time.Day, time.Hour, time.Minute, 0, TimeSpan.Zero).AddMinutes(1);

    private static string HhMm(DateTimeOffset utc) => utc.ToString("HH:mm", CultureInfo.InvariantCulture);

    private async Task<(ChannelReader<AgentEvent> Events, IAgentObserver Reference, Recorder Observer)> SubscribeAsync(IAgentGrain agent)
    {
        var events = Channel.CreateUnbounded<AgentEvent>();
        var observer = new Recorder(events.Writer);
        var reference = fixture.Cluster.Client.CreateObjectReference<IAgentObserver>(observer);
        await agent.Subscribe(reference);
        return (events.Reader, reference, observer);
    }

    private void Unsubscribe(IAgentGrain agent, IAgentObserver reference, Recorder observer)
    {
        agent.Unsubscribe(reference).Ignore();
        fixture.Cluster.Client.DeleteObjectReference<IAgentObserver>(reference);
        GC.KeepAlive(observer);
    }

    private static Task<List<AgentEvent>> DrainAsync(ChannelReader<AgentEvent> reader)
    {
        var drained = new List<AgentEvent>();
        while (reader.TryRead(out var agentEvent))
        {
            drained.Add(agentEvent);
        }

        return Task.FromResult(drained);
    }

    /// <summary>The next event of type <typeparamref name="T"/>, skipping others (status changes), within generous bounds.</summary>
    private static async Task<T> NextOfAsync<T>(ChannelReader<AgentEvent> reader)
        where T : AgentEvent
    {
        while (true)
        {
            var next = await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            if (next is T found)
            {
                return found;
            }
        }
    }

    private sealed class Recorder(ChannelWriter<AgentEvent> writer) : IAgentObserver
    {
        public Task OnAgentEvents(IReadOnlyList<AgentEvent> agentEvents)
        {
            foreach (var agentEvent in agentEvents)
            {
                writer.TryWrite(agentEvent);
            }

            return Task.CompletedTask;
        }
    }
}
