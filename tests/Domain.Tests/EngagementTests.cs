using WorkSessions.Contracts;
using static WorkSessions.Domain.Tests.AgentUnderTest;

namespace WorkSessions.Domain.Tests;

/// <summary>Engagement rows (docs/architecture.md#state-machine): occupied, the paused inactivity clock, the withdrawn prompt.</summary>
public sealed class EngagementTests
{
    [Fact]
    public void BeginEngagement_WhenActive_OccupiesAndPausesClock()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        var open = agent.Start();
        agent.Advance(100);

        var events = agent.Session.BeginEngagement("call-1");

        var changed = Assert.IsType<StatusChanged>(Assert.Single(events));
        Assert.Equal((AgentStatus.Ready, AgentStatus.Occupied, At(100), open.SessionId), (changed.From, changed.To, changed.At, changed.SessionId));
        Assert.Equal(Actor.System, changed.Actor);
        Assert.Equal(AgentStatus.Occupied, agent.Data.Status);
        Assert.Equal(["call-1"], agent.Session.ToView().Session!.OpenEngagements);
        Assert.Equal(At(100), agent.Open.LastActivityAt);
        Assert.Null(agent.Session.InactivityDeadline);
        Assert.Null(agent.Session.NextDeadline);
        Assert.True(agent.Session.HasUnsavedChanges);

        // A five-hour call never prompts.
        agent.Advance(TimeSpan.FromHours(5).TotalSeconds);
        Assert.Empty(agent.Session.CheckDeadlines());
        Assert.Equal(SessionState.Active, agent.Session.State);
    }

    [Fact]
    public void BeginEngagement_WhenWarned_WithdrawsPrompt()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.WaitForPrompt(); // at 600, deadline 780
        agent.Advance(20);

        var events = agent.Session.BeginEngagement("chat-9");

        Assert.Collection(
            events,
            e => Assert.Equal(AgentStatus.Occupied, Assert.IsType<StatusChanged>(e).To),
            e =>
            {
                var cleared = Assert.IsType<WarningCleared>(e);
                Assert.Equal((At(620), open.SessionId, WarningClearedCause.EngagementBegan), (cleared.At, cleared.SessionId, cleared.Cause));
            });
        Assert.Equal(SessionState.Active, agent.Session.State);
        Assert.Null(agent.Session.ToView().Prompt);
        Assert.Null(agent.Session.NextDeadline);
        Assert.Equal(0, agent.Open.ContinueCount);

        agent.Clock.SetUtcNow(At(780));
        Assert.Empty(agent.Session.CheckDeadlines());
        Assert.NotNull(agent.Data.Session);
    }

    [Fact]
    public void EndEngagement_ReturnsToStatusBeforeAndRestartsClock()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        var open = agent.Start(AgentStatus.NotReady, "lunch");
        agent.Advance(100);
        agent.Session.BeginEngagement("call-1");
        agent.Advance(1000);

        var events = agent.Session.EndEngagement("call-1");

        var changed = Assert.IsType<StatusChanged>(Assert.Single(events));
        Assert.Equal((AgentStatus.Occupied, AgentStatus.NotReady, "lunch", At(1100)), (changed.From, changed.To, changed.Reason, changed.At));
        Assert.Equal(Actor.System, changed.Actor);
        Assert.Equal(AgentStatus.NotReady, agent.Data.Status);
        Assert.Equal("lunch", agent.Data.StatusReason);
        Assert.Empty(agent.Data.OpenEngagements);
        Assert.Equal(At(1100), agent.Open.LastActivityAt);
        Assert.Equal(At(1700), agent.Session.InactivityDeadline);
    }

    [Fact]
    public void EndEngagement_WithAnotherStillOpen_StaysOccupied()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        agent.Session.BeginEngagement("call-1");
        agent.Advance(10);
        Assert.Empty(agent.Session.BeginEngagement("chat-2"));
        agent.Advance(10);

        Assert.Empty(agent.Session.EndEngagement("call-1"));
        Assert.Equal(AgentStatus.Occupied, agent.Data.Status);
        Assert.Null(agent.Session.InactivityDeadline);

        agent.Advance(10);
        var changed = Assert.IsType<StatusChanged>(Assert.Single(agent.Session.EndEngagement("chat-2")));
        Assert.Equal(AgentStatus.Ready, changed.To);
        Assert.Equal(At(630), agent.Session.InactivityDeadline);
    }

    [Fact]
    public void SetStatus_WhileEngaged_AppliesWhenEngagementEnds()
    {
        var agent = new AgentUnderTest();
        agent.Start();
        agent.Session.BeginEngagement("call-1");

        Assert.Empty(agent.Session.SetStatus(AgentStatus.NotReady, "wrap-up"));
        Assert.Equal(AgentStatus.Occupied, agent.Data.Status);

        var changed = Assert.IsType<StatusChanged>(Assert.Single(agent.Session.EndEngagement("call-1")));
        Assert.Equal((AgentStatus.NotReady, "wrap-up"), (changed.To, changed.Reason));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EndEngagement_WithNoSession_IsNoOpSuccess(bool sessionEndedDuringCall)
    {
        var agent = new AgentUnderTest(enabled: true);
        if (sessionEndedDuringCall)
        {
            agent.Start();
            agent.Session.BeginEngagement("call-1");
            agent.Session.End(Actor.Supervisor(NamedCommands.SupervisorId), null);
            agent.Session.MarkSaved();
        }

        var before = agent.Snapshot();
        agent.Advance(30);

        var events = agent.Session.EndEngagement("call-1");

        Assert.Empty(events);
        Assert.Equal(before, agent.Snapshot());
        Assert.Equal(AgentStatus.Offline, agent.Data.Status);
        Assert.False(agent.Session.HasUnsavedChanges);
    }

    [Theory]
    [InlineData(AgentStatus.Offline, null)]
    [InlineData(AgentStatus.Ready, null)]
    [InlineData(AgentStatus.NotReady, "lunch")]
    public void Engagement_WithFeatureOff_OccupiesAndRestoresWithoutSession(AgentStatus before, string? reason)
    {
        var agent = new AgentUnderTest(enabled: false);
        if (before != AgentStatus.Offline)
        {
            agent.Session.SetStatus(before, reason);
        }

        agent.Advance(5);
        var begun = Assert.IsType<StatusChanged>(Assert.Single(agent.Session.BeginEngagement("call-1")));
        Assert.Equal((before, AgentStatus.Occupied, (Guid?)null, At(5)), (begun.From, begun.To, begun.SessionId, begun.At));
        Assert.Equal(AgentStatus.Occupied, agent.Data.Status);
        Assert.Null(agent.Data.Session);

        agent.Advance(60);
        var ended = Assert.IsType<StatusChanged>(Assert.Single(agent.Session.EndEngagement("call-1")));
        Assert.Equal((AgentStatus.Occupied, before, reason, (Guid?)null), (ended.From, ended.To, ended.Reason, ended.SessionId));
        Assert.Equal(before, agent.Data.Status);
        Assert.Equal(reason, agent.Data.StatusReason);
        Assert.Equal(SessionState.None, agent.Session.State);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void BeginEngagement_WithoutId_IsRejectedInvalidArgument(string engagementId)
    {
        var agent = new AgentUnderTest();
        agent.Start();

        agent.AssertRejected(ErrorCodes.InvalidArgument, s => s.BeginEngagement(engagementId));
    }
}
