using WorkSessions.Contracts;
using static WorkSessions.Domain.Tests.AgentUnderTest;

namespace WorkSessions.Domain.Tests;

/// <summary>DESIGN §3 deadline rows and the recovery rule of §4, with exact times.</summary>
public sealed class DeadlineTests
{
    [Fact]
    public void InactivityDeadline_WhenReached_WarnsWithFullGracePeriod()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();

        agent.Clock.SetUtcNow(At(599));
        Assert.Empty(agent.Session.CheckDeadlines());
        Assert.Equal(SessionState.Active, agent.Session.State);

        agent.Clock.SetUtcNow(At(600));
        var events = agent.Session.CheckDeadlines();

        var warned = Assert.IsType<InactivityWarned>(Assert.Single(events));
        Assert.Equal((At(600), At(780), open.SessionId), (warned.At, warned.Deadline, warned.SessionId));
        Assert.Equal(SessionState.Warned, agent.Session.State);
        Assert.Equal(At(600), open.WarnedAt);
        Assert.Equal(At(780), agent.Session.GraceDeadline);
        Assert.Equal(At(780), agent.Session.NextDeadline);
        Assert.Null(agent.Session.InactivityDeadline);
        Assert.Equal(1, open.PromptCount);
        Assert.Equal(new PromptView(At(600), At(780)), agent.Session.ToView().Prompt);
        Assert.Equal(AgentStatus.Ready, agent.Data.Status);
        Assert.True(agent.Session.HasUnsavedChanges);

        // A repeated tick (timer and reminder racing) changes nothing.
        agent.Session.MarkSaved();
        Assert.Empty(agent.Session.CheckDeadlines());
        Assert.False(agent.Session.HasUnsavedChanges);
    }

    [Fact]
    public void GraceDeadline_WhenReached_EndsInactivityTimeoutWithNoActor()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.WaitForPrompt();

        agent.Clock.SetUtcNow(At(779));
        Assert.Empty(agent.Session.CheckDeadlines());

        agent.Clock.SetUtcNow(At(780));
        var events = agent.Session.CheckDeadlines();

        Assert.Collection(
            events,
            e => Assert.Equal(
                new SessionRecord(open.SessionId, AgentId, T0, At(780), EndReason.InactivityTimeout, EndedBy: null, 1, 0, 780, 0, 0, null),
                Assert.IsType<SessionEnded>(e).Record),
            e =>
            {
                var changed = Assert.IsType<StatusChanged>(e);
                Assert.Equal((AgentStatus.Ready, AgentStatus.Offline, At(780)), (changed.From, changed.To, changed.At));
                Assert.Equal(Actor.System, changed.Actor);
            });
        Assert.Equal(SessionState.None, agent.Session.State);
        Assert.Equal(AgentStatus.Offline, agent.Data.Status);
        Assert.Null(agent.Session.NextDeadline);

        // A late reminder tick after the end is harmless.
        agent.Advance(60);
        Assert.Empty(agent.Session.CheckDeadlines());
    }

    [Fact]
    public void InactivityDeadline_WithAutoEndOff_DoesNotRun()
    {
        var agent = new AgentUnderTest(autoEnd: false, timeoutSeconds: 600);
        agent.Start();

        Assert.Null(agent.Session.InactivityDeadline);
        Assert.Null(agent.Session.NextDeadline);
        Assert.True(agent.Session.NeedsWakeUps); // the wake-up also keeps the tenant's roster and pushes honest

        agent.Advance(TimeSpan.FromDays(2).TotalSeconds);
        Assert.Empty(agent.Session.CheckDeadlines());
        Assert.Equal(SessionState.Active, agent.Session.State);
    }

    [Fact]
    public void Activate_AfterOutage_CountsActivationAsActivity()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        agent.Advance(2000); // the inactivity deadline at 600 passed while no activation ran

        var events = agent.Session.Activate(afterOutage: true);

        Assert.Empty(events);
        Assert.Equal(SessionState.Active, agent.Session.State);
        Assert.Equal(At(2000), agent.Open.LastActivityAt);
        Assert.Equal(At(2600), agent.Session.InactivityDeadline);
    }

    [Fact]
    public void Activate_AfterOutage_ReplacesPassedGraceDeadlineWithFullGracePeriod()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.WaitForPrompt(); // at 600, deadline 780
        agent.Advance(1000);   // down from before 780 until 1600

        var events = agent.Session.Activate(afterOutage: true);

        var warned = Assert.IsType<InactivityWarned>(Assert.Single(events));
        Assert.Equal((At(1600), At(1780), open.SessionId), (warned.At, warned.Deadline, warned.SessionId));
        Assert.Equal(SessionState.Warned, agent.Session.State);
        Assert.Same(open, agent.Data.Session);
        Assert.Equal(2, open.PromptCount);
        Assert.Equal(new PromptView(At(1600), At(1780)), agent.Session.ToView().Prompt);
        Assert.True(agent.Session.HasUnsavedChanges);

        // The agent is still idle: the session ends one full grace period after the activation.
        agent.Clock.SetUtcNow(At(1779));
        Assert.Empty(agent.Session.CheckDeadlines());
        agent.Clock.SetUtcNow(At(1780));
        var ended = Assert.IsType<SessionEnded>(agent.Session.CheckDeadlines()[0]);
        Assert.Equal((EndReason.InactivityTimeout, At(1780), 2), (ended.Record.EndReason, ended.Record.EndedAt, ended.Record.PromptCount));
    }

    [Fact]
    public void Activate_AfterOutage_KeepsGraceDeadlineThatHasNotPassed()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.WaitForPrompt(); // at 600, deadline 780
        agent.Advance(60);

        var events = agent.Session.Activate(afterOutage: true);

        Assert.Empty(events);
        Assert.Equal(new PromptView(At(600), At(780)), agent.Session.ToView().Prompt);
        Assert.Equal(1, open.PromptCount);
        Assert.Equal(At(660), open.LastActivityAt);
    }

    [Fact]
    public void Activate_WithALongerTimeoutFromTheTenant_JudgesDeadlinesByIt()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 60, graceSeconds: 30);
        agent.Start();
        agent.Clock.SetUtcNow(At(70)); // past the stored 60 s timeout, not past the tenant's new 600 s

        var events = agent.Session.Activate(afterOutage: false, agent.NextPreferences(enabled: true, autoEnd: true, 600, 30));

        Assert.Empty(events);
        Assert.Equal(SessionState.Active, agent.Session.State);
        Assert.Equal(At(600), agent.Session.InactivityDeadline);
    }

    [Fact]
    public void Activate_WithTheFeatureTurnedOffMeanwhile_EndsFeatureDisabled()
    {
        var agent = new AgentUnderTest();
        var open = agent.Start();
        agent.Advance(30);

        var events = agent.Session.Activate(afterOutage: true, agent.NextPreferences(enabled: false, autoEnd: true, 600, 180));

        var ended = Assert.IsType<SessionEnded>(Assert.Single(events));
        Assert.Equal((open.SessionId, EndReason.FeatureDisabled, AdminId), (ended.Record.SessionId, ended.Record.EndReason, ended.Record.EndedBy));
    }

    [Fact]
    public void CarryOverActivity_KeepsTheLaterActivityOfTheSameSessionOnly()
    {
        var agent = new AgentUnderTest();
        var open = agent.Start();

        agent.Session.CarryOverActivity(Guid.NewGuid(), At(100));
        Assert.Equal(At(0), open.LastActivityAt);
        agent.Session.CarryOverActivity(open.SessionId, At(100));
        Assert.Equal(At(100), open.LastActivityAt);
        agent.Session.CarryOverActivity(open.SessionId, At(50));
        Assert.Equal(At(100), open.LastActivityAt);
        Assert.False(agent.Session.HasUnsavedChanges);
    }

    [Fact]
    public void Activate_NotAfterOutage_EndsSessionWhoseGraceDeadlinePassed()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.WaitForPrompt(); // at 600, deadline 780
        agent.Clock.SetUtcNow(At(800));

        var events = agent.Session.Activate(afterOutage: false);

        var ended = Assert.IsType<SessionEnded>(events[0]);
        Assert.Equal((open.SessionId, EndReason.InactivityTimeout, At(800), (string?)null), (ended.Record.SessionId, ended.Record.EndReason, ended.Record.EndedAt, ended.Record.EndedBy));
        Assert.Equal(AgentStatus.Offline, agent.Data.Status);
        Assert.Equal(SessionState.None, agent.Session.State);
    }

    [Fact]
    public void Activate_NotAfterOutage_WarnsWhenInactivityDeadlinePassed()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        agent.Start();
        agent.Clock.SetUtcNow(At(650));

        var events = agent.Session.Activate(afterOutage: false);

        var warned = Assert.IsType<InactivityWarned>(Assert.Single(events));
        Assert.Equal((At(650), At(830)), (warned.At, warned.Deadline));
        Assert.Equal(T0, agent.Open.LastActivityAt);
    }

    [Fact]
    public void Activate_NotAfterOutage_WithNoDeadlinePassed_ChangesNothing()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        agent.Advance(300);
        var before = agent.Snapshot();

        var events = agent.Session.Activate(afterOutage: false);

        Assert.Empty(events);
        Assert.Equal(before, agent.Snapshot());
        Assert.Equal(At(600), agent.Session.InactivityDeadline);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Activate_WithNoSession_ChangesNothing(bool afterOutage)
    {
        var agent = new AgentUnderTest();
        agent.Advance(5000);
        var before = agent.Snapshot();

        var events = agent.Session.Activate(afterOutage);

        Assert.Empty(events);
        Assert.Equal(before, agent.Snapshot());
        Assert.False(agent.Session.HasUnsavedChanges);
    }
}
