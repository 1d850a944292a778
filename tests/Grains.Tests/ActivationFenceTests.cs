using Orleans.Storage;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Domain;
using WorkSessions.Reporting;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// Two activations of one grain racing to write (docs/architecture.md#recovery-rule): an older activation, still
/// running on a silo that was paused until the cluster moved its grains, wakes up with its timers long due and writes
/// what it decided on its view from before the pause, with the etag it read. Its write is driven here exactly as its
/// <c>IPersistentState</c> would make it — the state it holds, the transition the domain decides on it, the etag it
/// read — against the row a newer activation now serves.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ActivationFenceTests(ClusterFixture fixture)
{
    private static readonly WorkSessionPreferences AutoEnd = new(true, true, InactivityTimeoutSeconds: 60, GracePeriodSeconds: 30);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OlderActivationsPrompt_AfterANewerActivationTookOver_IsRefused_AndTheWorkingAgentIsNeverPrompted()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        var sessionId = (await agent.StartSession(AgentStatus.Ready, null)).View.Session!.SessionId;
        var grainId = agent.GetGrainId();

        // The older activation: what it read, etag included, before its silo was paused.
        var older = new GrainState<AgentGrainState>();
        await fixture.Storage.ReadStateAsync(StateNames.Agent, grainId, older);

        // The cluster moves the agent: a newer activation serves its heartbeats from then on.
        await fixture.DeactivateAsync(agent);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(10));
        await agent.RecordActivity();
        await fixture.AdvanceAsync(Timeout - TimeSpan.FromSeconds(5));
        await agent.RecordActivity();

        // The older activation resumes: its deadline passed long ago on its view, so its timer prompts and writes.
        var stale = WorkSessionMachine.Decide("alice", older.State!.Agent, new WorkSessionCommand.CheckDeadlines(), fixture.Time, ActivityCheckpoint.Never);
        Assert.IsType<InactivityWarned>(Assert.Single(stale.Events));
        older.State.Agent = stale.State;
        older.State.Outbox = [.. older.State.Outbox, .. ReportEntry.FromTransition(tenant, stale.Events, stale.State)];
        await Assert.ThrowsAsync<InconsistentStateException>(() => fixture.Storage.WriteStateAsync(StateNames.Agent, grainId, older));

        // The newer activation writes on (a status change), and nothing of the older one's prompt is stored or shown.
        var view = await agent.SetStatus(AgentStatus.NotReady, "break");
        Assert.Equal(SessionState.Active, view.State);
        Assert.Null(view.Prompt);
        var stored = fixture.Storage.Read<AgentGrainState>(StateNames.Agent, grainId)!;
        Assert.Equal(sessionId, stored.Agent.Session!.SessionId);
        Assert.Null(stored.Agent.Session.WarnedAt);
        Assert.DoesNotContain(stored.Outbox, entry => entry.Kind == FeedEventKinds.InactivityWarning);
    }

    [Fact]
    public async Task OlderTenantActivationsWrite_AfterANewerActivationTookOver_IsRefused()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var grain = fixture.Grains.GetTenantGrain(tenant);
        var grainId = grain.GetGrainId();
        var older = new GrainState<TenantGrainState>();
        await fixture.Storage.ReadStateAsync(StateNames.Tenant, grainId, older);

        await fixture.DeactivateAsync(grain);
        var published = await grain.GetPreferences();

        // The older activation stores a change it was still holding: refused, so the newer one's answer stays the truth.
        older.State!.Preferences = older.State.Preferences with { Version = published.Version + 1, Preferences = AutoEnd with { AutoEndEnabled = false } };
        await Assert.ThrowsAsync<InconsistentStateException>(() => fixture.Storage.WriteStateAsync(StateNames.Tenant, grainId, older));
        Assert.Equal(published, fixture.Storage.Read<TenantGrainState>(StateNames.Tenant, grainId)!.Preferences);
    }

    [Fact]
    public async Task FenceWriteFailing_ActsOnNoDeadline_HeartbeatsWork_AndOnceStoredTheGraceStartsAgainInFull()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        await fixture.AdvanceAsync(Timeout);
        Assert.Equal(SessionState.Warned, (await agent.GetSnapshot()).State);

        // Gone while warned, back long after the grace deadline, with storage refusing writes.
        await fixture.DeactivateAsync(agent);
        await fixture.AdvanceAsync(Grace * 3);
        var grainId = agent.GetGrainId();
        fixture.Storage.FailWrites(grainId);
        await agent.RecordActivity();
        var attempts = fixture.Storage.AttemptsOf(grainId);
        Assert.True(attempts > 0, "The activation tried to store its fence.");

        // The retries keep failing: the session the stored row says is past its grace deadline is not ended.
        for (var second = 0; second < 5; second++)
        {
            await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
            await agent.RecordActivity();
        }

        Assert.True(fixture.Storage.AttemptsOf(grainId) > attempts, "The deadline timer retried the fence.");
        Assert.NotEqual(SessionState.None, (await agent.GetSnapshot()).State);

        // Storage heals: the next retry stores the recovery rule — a fresh prompt with a full grace — never an auto-end.
        fixture.Storage.Heal(grainId);
        var writes = fixture.Storage.WritesOf(grainId);
        for (var waited = TimeSpan.Zero; fixture.Storage.WritesOf(grainId) == writes && waited < WriteBackoff.Longest * 1.25; waited += TimeSpan.FromSeconds(1))
        {
            await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
            await agent.GetSnapshot();
        }

        var view = await agent.GetSnapshot();
        Assert.Equal(SessionState.Warned, view.State);
        Assert.Equal(Grace, view.Prompt!.Deadline - view.Prompt.WarnedAt);
        Assert.True(view.Prompt.Deadline > fixture.Time.GetUtcNow(), $"A grace deadline still ahead, not {view.Prompt.Deadline:O}");
        Assert.NotNull(fixture.Storage.Read<AgentGrainState>(StateNames.Agent, grainId)!.Agent.Session!.WarnedAt);
    }
}
