using System.Threading.Channels;
using WorkSessions.Contracts;
using WorkSessions.TestSupport;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// The event path the Gateway's stream uses: an observer created on a cluster client (another process's
/// view of the cluster, as in the Gateway's client mode) receives the grain's events as they happen.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AgentObserverTests(ClusterFixture fixture)
{
    private static readonly WorkSessionPreferences AutoEnd = new(true, true, InactivityTimeoutSeconds: 60, GracePeriodSeconds: 30);

    [Fact]
    public async Task ClientObserver_ReceivesWarningAndEndAsTheyHappen()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        var events = Channel.CreateUnbounded<AgentEvent>();
        var observer = new Recorder(events.Writer);
        var reference = fixture.Cluster.Client.CreateObjectReference<IAgentObserver>(observer);

        var subscription = await agent.Subscribe(reference);
        var snapshot = subscription.View;
        Assert.False(subscription.Renewed);
        Assert.True((await agent.Subscribe(reference)).Renewed);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(60));
        var warned = Assert.IsType<InactivityWarned>(await NextAsync(events.Reader));
        await agent.GetSnapshot();
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30));
        var ended = Assert.IsType<SessionEnded>(await NextAsync(events.Reader));
        var offline = Assert.IsType<StatusChanged>(await NextAsync(events.Reader));

        Assert.Equal(SessionState.Active, snapshot.State);
        Assert.Equal(snapshot.Session!.StartedAt + TimeSpan.FromSeconds(90), warned.Deadline);
        Assert.Equal(EndReason.InactivityTimeout, ended.Record.EndReason);
        Assert.Equal(AgentStatus.Offline, offline.To);

        // A reactivated grain has no subscribers: renewing tells the subscriber so.
        await fixture.DeactivateAsync(agent);
        Assert.False((await agent.Subscribe(reference)).Renewed);

        // A control observer that stays subscribed shows when the next transition's events have been delivered.
        var controlEvents = Channel.CreateUnbounded<AgentEvent>();
        var control = new Recorder(controlEvents.Writer);
        var controlReference = fixture.Cluster.Client.CreateObjectReference<IAgentObserver>(control);
        await agent.Subscribe(controlReference);
        await agent.Unsubscribe(reference);
        await agent.StartSession(AgentStatus.Ready, null);
        Assert.IsType<SessionStarted>(await NextAsync(controlEvents.Reader));
        Assert.False(events.Reader.TryRead(out _), "an unsubscribed observer gets nothing");
        fixture.Cluster.Client.DeleteObjectReference<IAgentObserver>(reference);
        fixture.Cluster.Client.DeleteObjectReference<IAgentObserver>(controlReference);
        GC.KeepAlive(observer);
        GC.KeepAlive(control);
    }

    [Fact]
    public async Task Prompt_ReachesTheObserverBeforeItsWrite_AndAFailedWriteLeavesTheSessionActiveAndPromptsAgain()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        var (events, reference, observer) = await SubscribeRecorderAsync(agent);
        var grainId = agent.GetGrainId();
        fixture.Storage.FailWrites(grainId);

        // The write of the prompt fails, yet the agent sees it: the observer is told before the write.
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(60));
        var early = Assert.IsType<InactivityWarned>(await NextAsync(events));
        var unstored = await agent.GetSnapshot();

        // The failed write rolled back: nothing stored, the session still active, no end follows from that prompt.
        Assert.Equal(SessionState.Active, unstored.State);
        Assert.Null(unstored.Prompt);
        Assert.Null(fixture.Storage.Read<AgentGrainState>(StateNames.Agent, grainId)?.Agent.Session?.WarnedAt);

        // Once storage heals, the timer's retry prompts again, and that prompt is the one stored.
        fixture.Storage.Heal(grainId);
        await fixture.AdvanceAsync(WriteBackoff.Longest * 1.25);
        var view = await agent.GetSnapshot();
        Assert.Equal(SessionState.Warned, view.State);
        Assert.True(view.Prompt!.Deadline > early.Deadline);
        InactivityWarned stored;
        do
        {
            stored = Assert.IsType<InactivityWarned>(await NextAsync(events));
        }
        while (stored.Deadline != view.Prompt.Deadline);

        Assert.DoesNotContain(await DrainAsync(events), agentEvent => agentEvent is SessionEnded);
        await agent.Unsubscribe(reference);
        fixture.Cluster.Client.DeleteObjectReference<IAgentObserver>(reference);
        GC.KeepAlive(observer);
    }

    [Fact]
    public async Task DeadlineWrite_WaitsWhileTheSiloIsBusy_ItsPromptIsOutAlready_AndCallersAreNotHeld()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        var colleague = fixture.Agent(tenant, "bob");
        await agent.StartSession(AgentStatus.Ready, null);
        var (events, reference, observer) = await SubscribeRecorderAsync(agent);
        var grainId = agent.GetGrainId();
        var attempts = fixture.Storage.AttemptsOf(grainId);

        fixture.SiloBacklog = 1000;
        InactivityWarned warned;
        try
        {
            await fixture.AdvanceAsync(TimeSpan.FromSeconds(60));
            warned = Assert.IsType<InactivityWarned>(await NextAsync(events));
            // Other tests' agents in this silo may have deadlines in the same minute: theirs are held too.
            await Eventually.UntilAsync(() => fixture.Pacer.Holding >= 1, TimeSpan.FromSeconds(10), "the prompt's write to be held");

            // A caller's command is not a deadline's: it writes at once however busy the silo is.
            var started = await colleague.StartSession(AgentStatus.Ready, null).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(started.Created);
            Assert.Equal(attempts, fixture.Storage.AttemptsOf(grainId));
            Assert.Null(fixture.Storage.Read<AgentGrainState>(StateNames.Agent, grainId)?.Agent.Session?.WarnedAt);
        }
        finally
        {
            fixture.SiloBacklog = 0;
        }

        // The queue drained: the write goes, and what is stored is the prompt the agent saw.
        var view = await agent.GetSnapshot();
        Assert.Equal(SessionState.Warned, view.State);
        Assert.Equal(warned.Deadline, view.Prompt!.Deadline);
        Assert.Equal(warned.Deadline, fixture.Storage.Read<AgentGrainState>(StateNames.Agent, grainId)?.Agent.Session?.GraceDeadline);
        await agent.Unsubscribe(reference);
        fixture.Cluster.Client.DeleteObjectReference<IAgentObserver>(reference);
        GC.KeepAlive(observer);
    }

    /// <summary>Subscribes a client-side recorder to the agent; its events arrive on the reader.</summary>
    private async Task<(ChannelReader<AgentEvent> Events, IAgentObserver Reference, Recorder Observer)> SubscribeRecorderAsync(IAgentGrain agent)
    {
        var events = Channel.CreateUnbounded<AgentEvent>();
        var observer = new Recorder(events.Writer);
        var reference = fixture.Cluster.Client.CreateObjectReference<IAgentObserver>(observer);
        await agent.Subscribe(reference);
        return (events.Reader, reference, observer);
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

    private static async Task<AgentEvent> NextAsync(ChannelReader<AgentEvent> reader) =>
        await reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

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
