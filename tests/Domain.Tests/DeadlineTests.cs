using WorkSessions.Contracts;
using static WorkSessions.Domain.Tests.AgentUnderTest;

namespace WorkSessions.Domain.Tests;

/// <summary>Deadline rows and the recovery rule (docs/architecture.md#recovery-rule), with exact times.</summary>
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
        Assert.Equal(At(600), agent.Open.WarnedAt);
        Assert.Equal(At(780), agent.Session.GraceDeadline);
        Assert.Equal(At(780), agent.Session.NextDeadline);
        Assert.Null(agent.Session.InactivityDeadline);
        Assert.Equal(1, agent.Open.PromptCount);
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
    public void Activate_AfterAGap_CountsActivationAsActivity()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        agent.Advance(2000); // the inactivity deadline at 600 passed while no activation ran

        var events = agent.Session.Activate(agent.Data.Preferences);

        Assert.Empty(events);
        Assert.Equal(SessionState.Active, agent.Session.State);
        Assert.Equal(At(2000), agent.Open.LastActivityAt);
        Assert.Equal(At(2600), agent.Session.InactivityDeadline);
    }

    [Fact]
    public void Activate_AfterAGap_ReplacesPassedGraceDeadlineWithFullGracePeriod()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.WaitForPrompt(); // at 600, deadline 780
        agent.Advance(1000);   // down from before 780 until 1600

        var events = agent.Session.Activate(agent.Data.Preferences);

        var warned = Assert.IsType<InactivityWarned>(Assert.Single(events));
        Assert.Equal((At(1600), At(1780), open.SessionId), (warned.At, warned.Deadline, warned.SessionId));
        Assert.Equal(SessionState.Warned, agent.Session.State);
        Assert.Equal(open.SessionId, agent.Data.Session?.SessionId); // the same session, in the state each command made anew
        Assert.Equal(2, agent.Open.PromptCount);
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
    public void Activate_AfterAGap_KeepsGraceDeadlineThatHasNotPassed()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.WaitForPrompt(); // at 600, deadline 780
        agent.Advance(60);

        var events = agent.Session.Activate(agent.Data.Preferences);

        Assert.Empty(events);
        Assert.Equal(new PromptView(At(600), At(780)), agent.Session.ToView().Prompt);
        Assert.Equal(1, agent.Open.PromptCount);
        Assert.Equal(At(660), agent.Open.LastActivityAt);
    }

    [Fact]
    public void Activate_WithALongerTimeoutFromTheTenant_JudgesDeadlinesByIt()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 60, graceSeconds: 30);
        agent.Start();
        agent.Clock.SetUtcNow(At(70)); // past the stored 60 s timeout

        var events = agent.Session.Activate(agent.NextPreferences(enabled: true, autoEnd: true, 600, 30));

        Assert.Empty(events);
        Assert.Equal(SessionState.Active, agent.Session.State);
        Assert.Equal(At(670), agent.Session.InactivityDeadline);
    }

    [Fact]
    public void Activate_WithTheFeatureTurnedOffMeanwhile_EndsFeatureDisabled()
    {
        var agent = new AgentUnderTest();
        var open = agent.Start();
        agent.Advance(30);

        var events = agent.Session.Activate(agent.NextPreferences(enabled: false, autoEnd: true, 600, 180));

        var ended = Assert.IsType<SessionEnded>(Assert.Single(events));
        Assert.Equal((open.SessionId, EndReason.FeatureDisabled, AdminId), (ended.Record.SessionId, ended.Record.EndReason, ended.Record.EndedBy));
    }

    [Fact]
    public void Activate_AfterTheGraceDeadlinePassed_PromptsAgainWithTheTenantsCurrentGracePeriod()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.WaitForPrompt(); // at 600, deadline 780, by the stored 180 s grace period
        agent.Clock.SetUtcNow(At(2000));

        // Meanwhile the admin lengthened the grace period; the agent's stored copy never heard of it.
        var events = agent.Session.Activate(agent.NextPreferences(enabled: true, autoEnd: true, 600, graceSeconds: 900));

        var warned = Assert.IsType<InactivityWarned>(Assert.Single(events));
        Assert.Equal((At(2000), At(2900), open.SessionId), (warned.At, warned.Deadline, warned.SessionId));
    }

    [Fact]
    public void Activate_WithAutoEndTurnedOffMeanwhile_WithdrawsThePromptInsteadOfEnding()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        agent.Start();
        agent.WaitForPrompt();
        agent.Clock.SetUtcNow(At(5000));

        var events = agent.Session.Activate(agent.NextPreferences(enabled: true, autoEnd: false, 600, 180));

        var cleared = Assert.IsType<WarningCleared>(Assert.Single(events));
        Assert.Equal(WarningClearedCause.AutoEndDisabled, cleared.Cause);
        Assert.Equal(SessionState.Active, agent.Session.State);
        Assert.Null(agent.Session.NextDeadline);
    }

    [Fact]
    public void Activate_WithATenantVersionBelowTheOneHeld_TakesTheTenantsPreferences()
    {
        // The tenant's row was restored from a backup: its version is lower than the one this agent saw.
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        agent.Data.Preferences = agent.Data.Preferences with { Version = 7 };
        agent.Start();
        var restored = new TenantPreferences(new WorkSessionPreferences(true, true, 60, 30), 3, agent.Now, AdminId);
        agent.Clock.SetUtcNow(At(30));

        Assert.Empty(agent.Session.Activate(restored));
        Assert.Equal(restored, agent.Data.Preferences);
        Assert.Equal(At(90), agent.Session.InactivityDeadline);
    }

    [Fact]
    public void Activate_WithNoDeadlinePassed_OnlyCountsAsActivity()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        agent.Advance(300);

        var events = agent.Session.Activate(agent.Data.Preferences);

        Assert.Empty(events);
        Assert.False(agent.Session.HasUnsavedChanges);
        Assert.Equal(At(300), agent.Open.LastActivityAt);
        Assert.Equal(At(900), agent.Session.InactivityDeadline);
    }

    [Fact]
    public void Activate_WithNoSession_ChangesNothing()
    {
        var agent = new AgentUnderTest();
        agent.Advance(5000);
        var before = agent.Snapshot();

        var events = agent.Session.Activate(agent.Data.Preferences);

        Assert.Empty(events);
        Assert.Equal(before, agent.Snapshot());
        Assert.False(agent.Session.HasUnsavedChanges);
    }
}
