using WorkSessions.Contracts;
using static WorkSessions.Domain.Tests.AgentUnderTest;

namespace WorkSessions.Domain.Tests;

/// <summary>The state machine (docs/architecture.md#state-machine): start, activity, continue, status changes and ends, row by row.</summary>
public sealed class SessionLifecycleTests
{
    [Theory]
    [InlineData(AgentStatus.Ready, null)]
    [InlineData(AgentStatus.NotReady, "training")]
    public void Start_WithNoSession_CreatesActiveSessionWithAskedStatus(AgentStatus status, string? reason)
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Advance(5);

        var events = agent.Session.Start(status, reason);

        Assert.Collection(
            events,
            e =>
            {
                var started = Assert.IsType<SessionStarted>(e);
                Assert.Equal(At(5), started.At);
                Assert.Equal(AgentId, started.AgentId);
                Assert.Equal(Actor.Agent(AgentId), started.Actor);
            },
            e =>
            {
                var changed = Assert.IsType<StatusChanged>(e);
                Assert.Equal((AgentStatus.Offline, status, reason), (changed.From, changed.To, changed.Reason));
                Assert.Equal(Actor.Agent(AgentId), changed.Actor);
                Assert.Equal(agent.Open.SessionId, changed.SessionId);
            });
        var sessionId = ((SessionStarted)events[0]).SessionId;
        Assert.Equal(SessionState.Active, agent.Session.State);
        Assert.Equal(status, agent.Data.Status);
        Assert.Equal(reason, agent.Data.StatusReason);
        Assert.Equal(sessionId, agent.Open.SessionId);
        Assert.Equal(At(5), agent.Open.StartedAt);
        Assert.Equal(At(5), agent.Open.LastActivityAt);
        Assert.Equal(At(605), agent.Session.InactivityDeadline);
        Assert.Equal(At(605), agent.Session.NextDeadline);
        Assert.Null(agent.Session.GraceDeadline);
        Assert.True(agent.Session.NeedsWakeUps);
        Assert.True(agent.Session.HasUnsavedChanges);

        var view = agent.Session.ToView();
        Assert.Equal(SessionState.Active, view.State);
        Assert.Equal(sessionId, view.Session?.SessionId);
        Assert.Equal(At(5), view.Session?.StartedAt);
        Assert.Null(view.Prompt);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Start_WhenSessionOpen_ReturnsOpenSessionUnchanged(bool warned)
    {
        var agent = new AgentUnderTest();
        agent.Start();
        if (warned)
        {
            agent.WaitForPrompt();
        }

        var before = agent.Snapshot();
        agent.Advance(1);

        var events = agent.Session.Start(AgentStatus.NotReady, "lunch");

        Assert.Empty(events);
        Assert.Equal(before, agent.Snapshot());
        Assert.Equal(warned ? SessionState.Warned : SessionState.Active, agent.Session.State);
        Assert.Equal(AgentStatus.Ready, agent.Data.Status);
        Assert.False(agent.Session.HasUnsavedChanges);
    }

    [Fact]
    public void Start_WithFeatureOff_IsRejectedDisabled()
    {
        var agent = new AgentUnderTest(enabled: false);

        agent.AssertRejected(ErrorCodes.WorkSessionsDisabled, s => s.Start(AgentStatus.Ready, null));

        Assert.Equal(SessionState.None, agent.Session.State);
    }

    [Theory]
    [InlineData(AgentStatus.Occupied, null)]
    [InlineData(AgentStatus.Offline, null)]
    [InlineData(AgentStatus.NotReady, null)]
    [InlineData(AgentStatus.NotReady, "  ")]
    public void Start_WithStatusTheAgentCannotAskFor_IsRejectedInvalidStatus(AgentStatus status, string? reason)
    {
        var agent = new AgentUnderTest();

        agent.AssertRejected(ErrorCodes.InvalidStatus, s => s.Start(status, reason));
    }

    [Fact]
    public void RecordActivity_WhenActive_MovesLastActivityAndDeadline()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        agent.Advance(100);

        agent.Session.RecordActivity();

        Assert.Equal(At(100), agent.Open.LastActivityAt);
        Assert.Equal(At(700), agent.Session.InactivityDeadline);
        Assert.Equal(SessionState.Active, agent.Session.State);

        agent.Clock.SetUtcNow(At(699));
        Assert.Empty(agent.Session.CheckDeadlines());
        agent.Clock.SetUtcNow(At(700));
        Assert.IsType<InactivityWarned>(Assert.Single(agent.Session.CheckDeadlines()));
    }

    [Fact]
    public void RecordActivity_WhenWarned_KeepsPrompt()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        agent.Start();
        agent.WaitForPrompt();
        agent.Advance(60);

        agent.Session.RecordActivity();

        Assert.Equal(At(660), agent.Open.LastActivityAt);
        Assert.Equal(SessionState.Warned, agent.Session.State);
        Assert.Equal(new PromptView(At(600), At(780)), agent.Session.ToView().Prompt);
        Assert.Equal(At(780), agent.Session.NextDeadline);

        // Only Continue answers the prompt: the grace deadline still ends the session.
        agent.Clock.SetUtcNow(At(780));
        var ended = Assert.IsType<SessionEnded>(agent.Session.CheckDeadlines()[0]);
        Assert.Equal(EndReason.InactivityTimeout, ended.Record.EndReason);
    }

    [Theory]
    [InlineData("activity")]
    [InlineData("continue")]
    [InlineData("setStatus ready")]
    [InlineData("setStatus notReady")]
    [InlineData("end agent")]
    [InlineData("end supervisor")]
    [InlineData("end admin")]
    [InlineData("beginEngagement")]
    public void Command_WithNoSessionAndFeatureOn_IsRejectedNoOpenSession(string command)
    {
        var agent = new AgentUnderTest(enabled: true);

        agent.AssertRejected(ErrorCodes.NoOpenSession, s => s.Run(NamedCommands.Get(command)));

        Assert.Equal(SessionState.None, agent.Session.State);
        Assert.Equal(AgentStatus.Offline, agent.Data.Status);
    }

    [Theory]
    [InlineData("activity")]
    [InlineData("continue")]
    [InlineData("end agent")]
    [InlineData("end supervisor")]
    [InlineData("end admin")]
    public void Command_WithFeatureOff_IsRejectedDisabled(string command)
    {
        var agent = new AgentUnderTest(enabled: false);

        agent.AssertRejected(ErrorCodes.WorkSessionsDisabled, s => s.Run(NamedCommands.Get(command)));
    }

    [Theory]
    [InlineData(AgentStatus.Offline, AgentStatus.Ready, null)]
    [InlineData(AgentStatus.Offline, AgentStatus.NotReady, "lunch")]
    [InlineData(AgentStatus.Ready, AgentStatus.Offline, null)]
    public void SetStatus_WithFeatureOff_ChangesStatusWithoutSession(AgentStatus from, AgentStatus to, string? reason)
    {
        var agent = new AgentUnderTest(enabled: false);
        if (from != AgentStatus.Offline)
        {
            agent.Session.SetStatus(from, null);
        }

        agent.Advance(3);

        var events = agent.Session.SetStatus(to, reason);

        var changed = Assert.IsType<StatusChanged>(Assert.Single(events));
        Assert.Equal((from, to, reason, At(3)), (changed.From, changed.To, changed.Reason, changed.At));
        Assert.Null(changed.SessionId);
        Assert.Equal(Actor.Agent(AgentId), changed.Actor);
        Assert.Equal(to, agent.Data.Status);
        Assert.Equal(reason, agent.Data.StatusReason);
        Assert.Equal(SessionState.None, agent.Session.State);
        Assert.Null(agent.Data.Session);
        Assert.True(agent.Session.HasUnsavedChanges);
    }

    [Fact]
    public void Continue_WhenWarned_ClearsPromptAndCountsContinue()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.WaitForPrompt();
        agent.Advance(30);

        var events = agent.Session.Continue();

        var cleared = Assert.IsType<WarningCleared>(Assert.Single(events));
        Assert.Equal((At(630), open.SessionId, WarningClearedCause.Continued), (cleared.At, cleared.SessionId, cleared.Cause));
        Assert.Equal(SessionState.Active, agent.Session.State);
        Assert.Equal(1, agent.Open.ContinueCount);
        Assert.Equal(1, agent.Open.PromptCount);
        Assert.Equal(At(630), agent.Open.LastActivityAt);
        Assert.Null(agent.Open.WarnedAt);
        Assert.Null(agent.Session.GraceDeadline);
        Assert.Null(agent.Session.ToView().Prompt);
        Assert.Equal(At(1230), agent.Session.InactivityDeadline);
        Assert.Equal(At(1230), agent.Session.NextDeadline);
        Assert.True(agent.Session.HasUnsavedChanges);

        // The old grace deadline no longer ends anything.
        agent.Clock.SetUtcNow(At(780));
        Assert.Empty(agent.Session.CheckDeadlines());
    }

    [Fact]
    public void Continue_WhenActive_IsNoOpSuccess()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        var open = agent.Start();
        agent.Advance(10);

        var events = agent.Session.Continue();

        Assert.Empty(events);
        Assert.Equal(SessionState.Active, agent.Session.State);
        Assert.Equal(0, agent.Open.ContinueCount);
        Assert.Equal(0, agent.Open.PromptCount);
        Assert.Equal(At(10), agent.Open.LastActivityAt);
        Assert.Equal(At(610), agent.Session.InactivityDeadline);
        Assert.False(agent.Session.HasUnsavedChanges);
    }

    [Theory]
    [InlineData(AgentStatus.Ready, null, AgentStatus.NotReady, "lunch")]
    [InlineData(AgentStatus.NotReady, "break", AgentStatus.Ready, null)]
    [InlineData(AgentStatus.NotReady, "break", AgentStatus.NotReady, "lunch")]
    public void SetStatus_WhenActive_ChangesStatusAndCountsAsActivity(AgentStatus from, string? fromReason, AgentStatus to, string? reason)
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        var open = agent.Start(from, fromReason);
        agent.Advance(100);

        var events = agent.Session.SetStatus(to, reason);

        var changed = Assert.IsType<StatusChanged>(Assert.Single(events));
        Assert.Equal((from, to, reason, At(100)), (changed.From, changed.To, changed.Reason, changed.At));
        Assert.Equal(open.SessionId, changed.SessionId);
        Assert.Equal(Actor.Agent(AgentId), changed.Actor);
        Assert.Equal(to, agent.Data.Status);
        Assert.Equal(reason, agent.Data.StatusReason);
        Assert.Equal(At(100), agent.Open.LastActivityAt);
        Assert.Equal(At(700), agent.Session.InactivityDeadline);
        Assert.Equal(SessionState.Active, agent.Session.State);
    }

    [Fact]
    public void SetStatus_WhenWarned_ChangesStatusAndKeepsPrompt()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        agent.Start();
        agent.WaitForPrompt();
        agent.Advance(10);

        var events = agent.Session.SetStatus(AgentStatus.NotReady, "lunch");

        var changed = Assert.IsType<StatusChanged>(Assert.Single(events));
        Assert.Equal((AgentStatus.Ready, AgentStatus.NotReady), (changed.From, changed.To));
        Assert.Equal(AgentStatus.NotReady, agent.Data.Status);
        Assert.Equal(SessionState.Warned, agent.Session.State);
        Assert.Equal(new PromptView(At(600), At(780)), agent.Session.ToView().Prompt);
    }

    [Theory]
    [InlineData(AgentStatus.NotReady, null)]
    [InlineData(AgentStatus.NotReady, "")]
    [InlineData(AgentStatus.NotReady, " ")]
    [InlineData(AgentStatus.Occupied, null)]
    [InlineData(AgentStatus.Offline, null)]
    public void SetStatus_WithFeatureOnAndStatusNotAllowed_IsRejectedInvalidStatus(AgentStatus status, string? reason)
    {
        var agent = new AgentUnderTest();
        agent.Start();

        agent.AssertRejected(ErrorCodes.InvalidStatus, s => s.SetStatus(status, reason));

        Assert.Equal(AgentStatus.Ready, agent.Data.Status);
    }

    [Theory]
    [InlineData(AgentStatus.NotReady, null)]
    [InlineData(AgentStatus.Occupied, null)]
    public void SetStatus_WithFeatureOffAndStatusNotAllowed_IsRejectedInvalidStatus(AgentStatus status, string? reason)
    {
        var agent = new AgentUnderTest(enabled: false);

        agent.AssertRejected(ErrorCodes.InvalidStatus, s => s.SetStatus(status, reason));
    }

    [Theory]
    [InlineData(ActorRole.Agent, false)]
    [InlineData(ActorRole.Agent, true)]
    [InlineData(ActorRole.Supervisor, false)]
    [InlineData(ActorRole.Supervisor, true)]
    [InlineData(ActorRole.Admin, false)]
    [InlineData(ActorRole.Admin, true)]
    public void End_ByActor_EndsWithReasonAndGoesOffline(ActorRole role, bool warned)
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.Advance(100);
        agent.Session.SetStatus(AgentStatus.NotReady, "lunch");
        if (warned)
        {
            agent.WaitForPrompt(); // at 700, deadline 880
        }

        agent.Advance(30);
        var endedAt = agent.Now;
        var (actor, reason, note) = role switch
        {
            ActorRole.Agent => (Actor.Agent(AgentId), EndReason.AgentEnded, (string?)null),
            ActorRole.Supervisor => (Actor.Supervisor(NamedCommands.SupervisorId), EndReason.EndedBySupervisor, "shift over"),
            _ => (Actor.Admin(AdminId), EndReason.EndedByAdmin, "shift over"),
        };

        var events = agent.Session.End(actor, note);

        Assert.Collection(
            events,
            e =>
            {
                var ended = Assert.IsType<SessionEnded>(e);
                Assert.Equal(endedAt, ended.At);
                Assert.Equal(
                    new SessionRecord(
                        open.SessionId,
                        AgentId,
                        T0,
                        endedAt,
                        reason,
                        actor.UserId,
                        PromptCount: warned ? 1 : 0,
                        ContinueCount: 0,
                        ReadySeconds: 100,
                        NotReadySeconds: (endedAt - At(100)).TotalSeconds,
                        OccupiedSeconds: 0,
                        note),
                    ended.Record);
            },
            e =>
            {
                var changed = Assert.IsType<StatusChanged>(e);
                Assert.Equal((AgentStatus.NotReady, AgentStatus.Offline, endedAt), (changed.From, changed.To, changed.At));
                Assert.Null(changed.Reason);
                Assert.Equal(actor, changed.Actor);
                Assert.Equal(open.SessionId, changed.SessionId);
            });
        Assert.Equal(SessionState.None, agent.Session.State);
        Assert.Null(agent.Data.Session);
        Assert.Equal(AgentStatus.Offline, agent.Data.Status);
        Assert.Null(agent.Data.StatusReason);
        Assert.Null(agent.Session.NextDeadline);
        Assert.False(agent.Session.NeedsWakeUps);
        Assert.True(agent.Session.HasUnsavedChanges);
    }

    [Fact]
    public void End_BySystemActor_IsRejectedInvalidArgument()
    {
        var agent = new AgentUnderTest();
        agent.Start();

        agent.AssertRejected(ErrorCodes.InvalidArgument, s => s.End(Actor.System, null));
    }

    [Fact]
    public void Start_AfterEnd_OpensNewSession()
    {
        var agent = new AgentUnderTest();
        var first = agent.Start();
        agent.Advance(60);
        agent.Session.End(Actor.Agent(AgentId), null);
        agent.Advance(60);

        var events = agent.Session.Start(AgentStatus.Ready, null);

        var started = Assert.IsType<SessionStarted>(events[0]);
        Assert.NotEqual(first.SessionId, started.SessionId);
        Assert.Equal(At(120), agent.Open.StartedAt);
        Assert.Equal(0, agent.Open.PromptCount);
    }
}
