using WorkSessions.Contracts;
using WorkSessions.TestSupport;

namespace WorkSessions.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class AgentGrainTests(ClusterFixture fixture)
{
    private static readonly WorkSessionPreferences AutoEnd = new(true, true, InactivityTimeoutSeconds: 60, GracePeriodSeconds: 30);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Start_WhenFeatureOff_IsRejectedWithStableCode()
    {
        var tenant = await fixture.NewTenantAsync();

        var error = await Assert.ThrowsAsync<WorkSessionException>(() => fixture.Agent(tenant, "alice").StartSession(AgentStatus.Ready, null));

        Assert.Equal(ErrorCodes.WorkSessionsDisabled, error.Code);
    }

    [Fact]
    public async Task Start_Twice_ReturnsTheOpenSession()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");

        var first = await agent.StartSession(AgentStatus.Ready, null);
        var second = await agent.StartSession(AgentStatus.NotReady, "lunch");

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.View.Session!.SessionId, second.View.Session!.SessionId);
        Assert.Equal(AgentStatus.Ready, second.View.Status);
    }

    [Fact]
    public async Task IdleAgent_IsWarnedExactlyAtTheDeadline()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        var startedAt = fixture.Time.GetUtcNow();

        await fixture.AdvanceAsync(Timeout - TimeSpan.FromSeconds(1));
        Assert.Equal(SessionState.Active, (await agent.GetSnapshot()).State);

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        var view = await agent.GetSnapshot();

        Assert.Equal(SessionState.Warned, view.State);
        Assert.Equal(new PromptView(startedAt + Timeout, startedAt + Timeout + Grace), view.Prompt);
    }

    [Fact]
    public async Task Heartbeats_MoveTheDeadline()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(40));
        await agent.RecordActivity();
        var activityAt = fixture.Time.GetUtcNow();

        // To the first deadline exactly, and read: the read queues behind the timer's turn, which re-arms for the moved
        // deadline. A longer jump could let that turn read the clock at the timer's time while the fake clock runs on to
        // the jump's end, and Orleans applies the re-arm's relative due time from wherever the clock is by then.
        await fixture.AdvanceAsync(Timeout - TimeSpan.FromSeconds(40));
        Assert.Equal(SessionState.Active, (await agent.GetSnapshot()).State);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(SessionState.Active, (await agent.GetSnapshot()).State);

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(20));
        var view = await agent.GetSnapshot();

        Assert.Equal(SessionState.Warned, view.State);
        Assert.Equal(activityAt + Timeout, view.Prompt!.WarnedAt);
    }

    [Fact]
    public async Task Continue_AnswersThePromptAndRestartsTheClock()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        await fixture.AdvanceAsync(Timeout + TimeSpan.FromSeconds(10));

        var continued = await agent.Continue();
        var continuedAt = fixture.Time.GetUtcNow();
        await fixture.AdvanceAsync(Grace);

        Assert.Equal(SessionState.Active, continued.State);
        Assert.Null(continued.Prompt);
        Assert.Equal(1, continued.Session!.ContinueCount);
        Assert.Equal(SessionState.Active, (await agent.GetSnapshot()).State);

        await fixture.AdvanceAsync(Timeout - Grace);
        var warnedAgain = await agent.GetSnapshot();
        Assert.Equal(continuedAt + Timeout, warnedAgain.Prompt!.WarnedAt);
        Assert.Equal(2, warnedAgain.Session!.PromptCount);
    }

    [Fact]
    public async Task UnansweredPrompt_EndsTheSessionAfterTheFullGracePeriod()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        var started = await agent.StartSession(AgentStatus.Ready, null);
        var startedAt = fixture.Time.GetUtcNow();

        await fixture.AdvanceAsync(Timeout);
        Assert.Equal(SessionState.Warned, (await agent.GetSnapshot()).State);
        await fixture.AdvanceAsync(Grace - TimeSpan.FromSeconds(1));
        Assert.Equal(SessionState.Warned, (await agent.GetSnapshot()).State);

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        var view = await agent.GetSnapshot();

        Assert.Equal(SessionState.None, view.State);
        Assert.Equal(AgentStatus.Offline, view.Status);
        var error = await Assert.ThrowsAsync<WorkSessionException>(() => agent.RecordActivity());
        Assert.Equal(ErrorCodes.NoOpenSession, error.Code);

        // A new session can start right away, with a new id.
        var again = await agent.StartSession(AgentStatus.Ready, null);
        Assert.NotEqual(started.View.Session!.SessionId, again.View.Session!.SessionId);
        Assert.Equal(startedAt + Timeout + Grace, again.View.Session.StartedAt);
    }

    [Fact]
    public async Task Engagement_PausesTheInactivityClockAndWithdrawsThePrompt()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.NotReady, "wrap-up");
        await fixture.AdvanceAsync(Timeout);
        Assert.Equal(SessionState.Warned, (await agent.GetSnapshot()).State);

        await agent.BeginEngagement("call-1");
        var engaged = await agent.GetSnapshot();
        await fixture.AdvanceAsync(TimeSpan.FromHours(2));
        var afterLongCall = await agent.GetSnapshot();

        Assert.Equal(SessionState.Active, engaged.State);
        Assert.Equal(AgentStatus.Occupied, engaged.Status);
        Assert.Equal(SessionState.Active, afterLongCall.State);
        Assert.Equal(AgentStatus.Occupied, afterLongCall.Status);

        await agent.EndEngagement("call-1");
        var endedAt = fixture.Time.GetUtcNow();
        var afterCall = await agent.GetSnapshot();
        Assert.Equal(AgentStatus.NotReady, afterCall.Status);
        Assert.Equal("wrap-up", afterCall.StatusReason);

        await fixture.AdvanceAsync(Timeout);
        Assert.Equal(endedAt + Timeout, (await agent.GetSnapshot()).Prompt!.WarnedAt);
    }

    [Fact]
    public async Task EndEngagement_AfterTheSessionEnded_IsANoOp()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        await agent.BeginEngagement("chat-7");
        await agent.EndSession(Actor.Agent("alice"), null);

        await agent.EndEngagement("chat-7");

        var view = await agent.GetSnapshot();
        Assert.Equal(SessionState.None, view.State);
        Assert.Equal(AgentStatus.Offline, view.Status);
    }

    [Fact]
    public async Task TurningTheFeatureOff_EndsOpenSessionsWithTheAdminAsActor()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        await WaitForRosterAsync(tenant, "alice");

        await fixture.UpdateAndPushAsync(tenant, AutoEnd with { WorkSessionsEnabled = false }, "admin-2");

        var view = await agent.GetSnapshot();
        Assert.Equal(SessionState.None, view.State);
        Assert.Equal(AgentStatus.Ready, view.Status);
        var error = await Assert.ThrowsAsync<WorkSessionException>(() => agent.RecordActivity());
        Assert.Equal(ErrorCodes.WorkSessionsDisabled, error.Code);
    }

    [Fact]
    public async Task ShorterTimeout_ReachesTheOpenSessionAndWarnsWhenAlreadyPast()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd with { InactivityTimeoutSeconds = 600 });
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        await WaitForRosterAsync(tenant, "alice");
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(120));

        await fixture.UpdateAndPushAsync(tenant, AutoEnd);
        var changedAt = fixture.Time.GetUtcNow();

        var view = await agent.GetSnapshot();
        Assert.Equal(SessionState.Warned, view.State);
        Assert.Equal(new PromptView(changedAt, changedAt + Grace), view.Prompt);
    }

    [Fact]
    public async Task TurningAutoEndOff_WithdrawsThePromptAndStopsTheClock()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        await WaitForRosterAsync(tenant, "alice");
        await fixture.AdvanceAsync(Timeout);

        await fixture.UpdateAndPushAsync(tenant, AutoEnd with { AutoEndEnabled = false });
        await fixture.AdvanceAsync(TimeSpan.FromHours(1));

        var view = await agent.GetSnapshot();
        Assert.Equal(SessionState.Active, view.State);
        Assert.Null(view.Prompt);
    }

    [Fact]
    public async Task TurningTheFeatureOn_IsSeenByAnAgentWithoutASession()
    {
        var tenant = await fixture.NewTenantAsync();
        var agent = fixture.Agent(tenant, "alice");
        Assert.Equal(
            ErrorCodes.WorkSessionsDisabled,
            (await Assert.ThrowsAsync<WorkSessionException>(() => agent.RecordActivity())).Code);

        await fixture.Grains.GetTenantGrain(tenant).UpdatePreferences(AutoEnd, null, "admin-1");

        // A heartbeat without a session re-asks the tenant at most every 5 s; any other command asks at once.
        Assert.Equal(
            ErrorCodes.WorkSessionsDisabled,
            (await Assert.ThrowsAsync<WorkSessionException>(() => agent.RecordActivity())).Code);
        Assert.Equal(
            ErrorCodes.NoOpenSession,
            (await Assert.ThrowsAsync<WorkSessionException>(() => agent.Continue())).Code);
        await fixture.Grains.GetTenantGrain(tenant).UpdatePreferences(AutoEnd with { WorkSessionsEnabled = false }, null, "admin-1");
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(
            ErrorCodes.WorkSessionsDisabled,
            (await Assert.ThrowsAsync<WorkSessionException>(() => agent.RecordActivity())).Code);
        await fixture.Grains.GetTenantGrain(tenant).UpdatePreferences(AutoEnd, null, "admin-1");
        Assert.True((await agent.StartSession(AgentStatus.Ready, null)).Created);
    }

    [Fact]
    public async Task GracefulDeactivationWhileWarned_PromptsAgainWithAFullGracePeriod_AndContinueWorks()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        await fixture.AdvanceAsync(Timeout);
        Assert.Equal(SessionState.Warned, (await agent.GetSnapshot()).State);

        await fixture.DeactivateAsync(agent);
        await fixture.AdvanceAsync(Grace * 3); // back long after the grace deadline
        var back = fixture.Time.GetUtcNow();

        var view = await agent.GetSnapshot();
        Assert.Equal(SessionState.Warned, view.State);
        Assert.Equal(new PromptView(back, back + Grace), view.Prompt);
        Assert.Equal(SessionState.Active, (await agent.Continue()).State);
    }

    [Fact]
    public async Task FailedWrite_DoesNotBringBackSupersededPreferences()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);

        // The admin lengthens the timeout: the agent applies it in memory, its stored copy keeps the old one.
        await fixture.UpdateAndPushAsync(tenant, AutoEnd with { InactivityTimeoutSeconds = 600 });
        fixture.Storage.FailNextWrite(agent.GetGrainId());
        await Assert.ThrowsAnyAsync<Exception>(() => agent.SetStatus(AgentStatus.NotReady, "break"));

        await fixture.AdvanceAsync(Timeout + TimeSpan.FromSeconds(1));
        var view = await agent.GetSnapshot();
        Assert.Equal(SessionState.Active, view.State);
        Assert.Equal(AgentStatus.Ready, view.Status);
    }

    [Fact]
    public async Task FailingStorage_RetriesTheDeadlineWithBackoff_AndPromptsOnceItHeals()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        var grainId = agent.GetGrainId();
        fixture.Storage.FailWrites(grainId);
        var attemptsBefore = fixture.Storage.AttemptsOf(grainId);

        // A second at a time, each followed by a read that queues behind the timer's turn: the clock moves on only once
        // a due retry has run and re-armed, as a real clock does not outrun the grain.
        await fixture.AdvanceAsync(Timeout);
        await agent.GetSnapshot();
        for (var second = 0; second < 30; second++)
        {
            await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
            await agent.GetSnapshot();
        }

        // Fifty turns of the grain, one after the other: a timer re-armed at due time zero would run between them (its
        // ticks queue with the calls), far more often than the bound below allows.
        for (var turn = 0; turn < 50; turn++)
        {
            await agent.GetSnapshot();
        }
        var attempts = fixture.Storage.AttemptsOf(grainId) - attemptsBefore;
        Assert.InRange(attempts, 2, 8);
        Assert.Equal(SessionState.Active, (await agent.GetSnapshot()).State);

        fixture.Storage.Heal(grainId);
        await fixture.AdvanceAsync(WriteBackoff.Longest * 1.25);
        var prompt = (await agent.GetSnapshot()).Prompt;
        Assert.NotNull(prompt);
        Assert.Equal(Grace, prompt.Deadline - prompt.WarnedAt);
    }

    [Fact]
    public async Task AgentWithPreferencesAheadOfARestoredTenant_TakesTheTenantsOnItsNextWakeUp()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);

        // The tenant's row is restored from a backup taken before work sessions had auto-end: version 0.
        var tenantGrain = fixture.Grains.GetTenantGrain(tenant);
        var restored = new TenantGrainState { Preferences = TenantPreferences.Default with { Preferences = new WorkSessionPreferences(true, false, 1800, 180) } };
        fixture.Storage.Overwrite(StateNames.Tenant, tenantGrain.GetGrainId(), restored);
        await fixture.DeactivateAsync(tenantGrain);

        // A period after it activates, the tenant sweeps its roster once: the agent takes the tenant's preferences.
        await tenantGrain.GetPreferences();
        await fixture.AdvanceAsync(TimeSpan.FromMinutes(1));
        await Eventually.UntilAsync(
            agent.GetEffectivePreferences, effective => !effective.Preferences.AutoEndEnabled, TimeSpan.FromSeconds(10), "the tenant's preferences", TimeSpan.FromMilliseconds(10));

        await fixture.AdvanceAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(SessionState.Active, (await agent.GetSnapshot()).State);
    }

    [Fact]
    public async Task AgentAndSupervisorEndingAtOnce_EndTheSessionOnce()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);

        var byAgent = agent.EndSession(Actor.Agent("alice"), null);
        var bySupervisor = agent.EndSession(Actor.Supervisor("sam"), "shift over");
        var outcomes = await Task.WhenAll(Capture(byAgent), Capture(bySupervisor));

        Assert.Single(outcomes, o => o.Record is not null);
        var rejection = Assert.Single(outcomes, o => o.Error is not null).Error!;
        Assert.Equal(ErrorCodes.NoOpenSession, rejection.Code);
        var record = outcomes.Single(o => o.Record is not null).Record!;
        Assert.Contains(record.EndReason, new[] { EndReason.AgentEnded, EndReason.EndedBySupervisor });
    }

    [Fact]
    public async Task SupervisorEnd_RecordsTheActorAndNote()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(45));

        var record = await agent.EndSession(Actor.Supervisor("sam"), "shift over");

        Assert.Equal(EndReason.EndedBySupervisor, record.EndReason);
        Assert.Equal("sam", record.EndedBy);
        Assert.Equal("shift over", record.Note);
        Assert.Equal(45, record.ReadySeconds);
        Assert.Equal(AgentStatus.Offline, (await agent.GetSnapshot()).Status);
    }

    [Fact]
    public async Task ThousandHeartbeats_WriteNothing()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        var writesBefore = fixture.Storage.WritesOf(agent.GetGrainId());

        for (var i = 0; i < 1000; i++)
        {
            await agent.RecordActivity();
        }

        Assert.Equal(writesBefore, fixture.Storage.WritesOf(agent.GetGrainId()));
    }

    [Fact]
    public async Task ActivityCheckpoint_IsWrittenAtMostOncePerInterval()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd with { InactivityTimeoutSeconds = 600 });
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        var writesBefore = fixture.Storage.WritesOf(agent.GetGrainId());

        // Twenty minutes of heartbeats every 10 s: the deadline timer fires at each old deadline, every
        // 10 minutes, and checkpoints when the default 5-minute interval has passed.
        for (var i = 0; i < 120; i++)
        {
            await fixture.AdvanceAsync(TimeSpan.FromSeconds(10));
            await agent.RecordActivity();
        }

        var writes = fixture.Storage.WritesOf(agent.GetGrainId()) - writesBefore;
        Assert.InRange(writes, 1, 4);
        Assert.Equal(SessionState.Active, (await agent.GetSnapshot()).State);
    }

    [Fact]
    public async Task FailedWrite_RejectsTheCommandAndKeepsTheStoredState()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);

        fixture.Storage.FailNextWrite(agent.GetGrainId());
        await Assert.ThrowsAnyAsync<Exception>(() => agent.SetStatus(AgentStatus.NotReady, "break"));

        var view = await agent.GetSnapshot();
        Assert.Equal(AgentStatus.Ready, view.Status);
        Assert.Equal(AgentStatus.NotReady, (await agent.SetStatus(AgentStatus.NotReady, "break")).Status);
    }

    private async Task WaitForRosterAsync(string tenant, string agentId)
    {
        // Agents tell the tenant about their sessions with one-way calls.
        var roster = fixture.Grains.GetTenantGrain(tenant);
        var page = await Eventually.UntilAsync(
            () => roster.GetRosterPage(null, RosterPage.MaxLimit), page => page.AgentIds.Contains(agentId), TimeSpan.FromSeconds(10), $"{agentId} on the roster", TimeSpan.FromMilliseconds(10));
        Assert.Contains(agentId, page.AgentIds);
    }

    private static async Task<(SessionRecord? Record, WorkSessionException? Error)> Capture(Task<SessionRecord> end)
    {
        try
        {
            return (await end, null);
        }
        catch (WorkSessionException error)
        {
            return (null, error);
        }
    }
}
