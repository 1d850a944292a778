using WorkSessions.Contracts;
using static WorkSessions.Domain.Tests.AgentUnderTest;

namespace WorkSessions.Domain.Tests;

/// <summary>Preference rows and their bounds (docs/architecture.md#preferences).</summary>
public sealed class PreferenceChangeTests
{
    [Fact]
    public void FeatureTurnedOn_WithNoSession_ChangesNothingUntilNextCommand()
    {
        var agent = new AgentUnderTest(enabled: false);
        agent.Advance(10);

        var events = agent.ApplyPreferences(enabled: true, autoEnd: true, 600, 180);

        Assert.Empty(events);
        Assert.Equal(SessionState.None, agent.Session.State);
        Assert.Equal(AgentStatus.Offline, agent.Data.Status);
        Assert.True(agent.Session.Preferences.WorkSessionsEnabled);
        Assert.Equal(2, agent.Data.Preferences.Version);
        Assert.Null(agent.Session.NextDeadline);
        Assert.False(agent.Session.HasUnsavedChanges); // without a session they are a cache, re-read before each command

        agent.AssertRejected(ErrorCodes.NoOpenSession, s => s.RecordActivity());
    }

    [Fact]
    public void AutoEndTurnedOff_WhileWarned_ReturnsToActiveWithNoDeadline()
    {
        var agent = new AgentUnderTest(autoEnd: true, timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.WaitForPrompt(); // at 600, deadline 780
        agent.Advance(30);

        var events = agent.ApplyPreferences(enabled: true, autoEnd: false, 600, 180);

        var cleared = Assert.IsType<WarningCleared>(Assert.Single(events));
        Assert.Equal((At(630), open.SessionId, WarningClearedCause.AutoEndDisabled), (cleared.At, cleared.SessionId, cleared.Cause));
        Assert.Equal(SessionState.Active, agent.Session.State);
        Assert.Null(agent.Session.GraceDeadline);
        Assert.Null(agent.Session.InactivityDeadline);
        Assert.Null(agent.Session.NextDeadline);
        Assert.True(agent.Session.NeedsWakeUps);
        Assert.Equal(0, agent.Open.ContinueCount);

        agent.Advance(TimeSpan.FromDays(1).TotalSeconds);
        Assert.Empty(agent.Session.CheckDeadlines());
        Assert.Equal(open.SessionId, agent.Data.Session?.SessionId); // the same session, in the state each command made anew
    }

    [Theory]
    [InlineData(900, 1000)]
    [InlineData(300, 400)]
    public void TimeoutChanged_WhileActive_RecomputesDeadlineFromLastActivity(int timeoutSeconds, double expectedDeadline)
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        agent.Advance(100);
        agent.Session.RecordActivity();
        agent.Advance(200);

        var events = agent.ApplyPreferences(enabled: true, autoEnd: true, timeoutSeconds, 180);

        Assert.Empty(events);
        Assert.Equal(SessionState.Active, agent.Session.State);
        Assert.Equal(At(expectedDeadline), agent.Session.InactivityDeadline);
        Assert.Equal(At(expectedDeadline), agent.Session.NextDeadline);
    }

    [Fact]
    public void TimeoutChanged_WhenNewDeadlineAlreadyPassed_WarnsNowWithFullGracePeriod()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.Advance(500);

        var events = agent.ApplyPreferences(enabled: true, autoEnd: true, timeoutSeconds: 120, graceSeconds: 90);

        var warned = Assert.IsType<InactivityWarned>(Assert.Single(events));
        Assert.Equal((At(500), At(590), open.SessionId), (warned.At, warned.Deadline, warned.SessionId));
        Assert.Equal(SessionState.Warned, agent.Session.State);
        Assert.Equal(1, agent.Open.PromptCount);

        agent.Clock.SetUtcNow(At(589));
        Assert.Empty(agent.Session.CheckDeadlines());
        agent.Clock.SetUtcNow(At(590));
        Assert.Equal(EndReason.InactivityTimeout, Assert.IsType<SessionEnded>(agent.Session.CheckDeadlines()[0]).Record.EndReason);
    }

    [Fact]
    public void TimeoutChangedByAPush_WhenNewDeadlineAlreadyPassed_LeavesThePromptToTheNextCheck_WhichWarnsWithFullGracePeriod()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start();
        agent.Advance(500);
        agent.Session.MarkSaved();

        var events = agent.Session.Run(new WorkSessionCommand.ApplyPreferences(
            agent.NextPreferences(enabled: true, autoEnd: true, timeoutSeconds: 120, graceSeconds: 90), ActOnDeadlines: false));

        // Adopted in memory, nothing to store: the deadline is due, for the check that follows.
        Assert.Empty(events);
        Assert.False(agent.Session.HasUnsavedChanges);
        Assert.Equal(SessionState.Active, agent.Session.State);
        Assert.Equal(At(120), agent.Session.NextDeadline);

        var warned = Assert.IsType<InactivityWarned>(Assert.Single(agent.Session.CheckDeadlines()));
        Assert.Equal((At(500), At(590), open.SessionId), (warned.At, warned.Deadline, warned.SessionId));
    }

    [Fact]
    public void AutoEndTurnedOn_AfterLongIdle_WarnsNowWithFullGracePeriod()
    {
        var agent = new AgentUnderTest(autoEnd: false, timeoutSeconds: 600, graceSeconds: 180);
        agent.Start();
        agent.Advance(5000);

        var events = agent.ApplyPreferences(enabled: true, autoEnd: true, 600, 180);

        var warned = Assert.IsType<InactivityWarned>(Assert.Single(events));
        Assert.Equal((At(5000), At(5180)), (warned.At, warned.Deadline));
        Assert.True(agent.Session.NeedsWakeUps);
    }

    [Fact]
    public void GracePeriodChanged_WhileWarned_KeepsPromptDeadline()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        agent.Start();
        agent.WaitForPrompt(); // at 600, deadline 780
        agent.Advance(10);

        var events = agent.ApplyPreferences(enabled: true, autoEnd: true, 600, graceSeconds: 30);

        Assert.Empty(events);
        Assert.Equal(new PromptView(At(600), At(780)), agent.Session.ToView().Prompt);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void FeatureTurnedOff_EndsFeatureDisabledAndKeepsStatus(bool warned, bool engaged)
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        var open = agent.Start(AgentStatus.NotReady, "lunch");
        if (warned)
        {
            agent.WaitForPrompt(); // at 600
        }

        if (engaged)
        {
            agent.Session.BeginEngagement("call-1");
        }

        agent.Advance(40);
        var endedAt = agent.Now;
        var statusBefore = agent.Data.Status;
        var reasonBefore = agent.Data.StatusReason;

        var events = agent.ApplyPreferences(enabled: false, autoEnd: true, 600, 180, updatedBy: "admin-2");

        var ended = Assert.IsType<SessionEnded>(Assert.Single(events));
        Assert.Equal(
            new SessionRecord(
                open.SessionId,
                AgentId,
                T0,
                endedAt,
                EndReason.FeatureDisabled,
                "admin-2",
                PromptCount: warned ? 1 : 0,
                ContinueCount: 0,
                ReadySeconds: 0,
                NotReadySeconds: engaged ? 0 : (endedAt - T0).TotalSeconds,
                OccupiedSeconds: engaged ? 40 : 0,
                Note: null),
            ended.Record);
        Assert.Equal(SessionState.None, agent.Session.State);
        Assert.Equal(statusBefore, agent.Data.Status);
        Assert.Equal(reasonBefore, agent.Data.StatusReason);
        Assert.Equal(engaged ? ["call-1"] : [], agent.Data.OpenEngagements);
        Assert.Null(agent.Session.NextDeadline);
        Assert.False(agent.Session.Preferences.WorkSessionsEnabled);
    }

    [Fact]
    public void ThePreferencesHeld_ChangeNothing()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        agent.Advance(300);
        var before = agent.Snapshot();

        var events = agent.Session.ApplyPreferences(agent.Data.Preferences with { });

        Assert.Empty(events);
        Assert.Equal(before, agent.Snapshot());
        Assert.False(agent.Session.HasUnsavedChanges);
        Assert.Equal(SessionState.Active, agent.Session.State);
    }

    [Fact]
    public void PreferencesWithTheVersionHeldButOtherValues_ReplaceTheOnesHeld()
    {
        // A restored tenant that numbered a new change like one the agent already saw.
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        var renumbered = new TenantPreferences(new WorkSessionPreferences(true, true, 60, 30), agent.Data.Preferences.Version, agent.Now, "admin-2");

        agent.Session.ApplyPreferences(renumbered);

        Assert.Equal(renumbered, agent.Data.Preferences);
        Assert.Equal(AgentUnderTest.At(60), agent.Session.InactivityDeadline);
    }

    [Fact]
    public void PreferencesWithALowerVersion_ReplaceTheOnesHeld_BecauseTheTenantOwnsTheVersion()
    {
        // A tenant restored from a backup publishes versions below the one its agents saw; ignoring them would
        // make the agent deaf to every real change until the tenant's numbers caught up.
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        agent.Advance(300);
        var restored = new TenantPreferences(new WorkSessionPreferences(true, false, 600, 180), agent.Data.Preferences.Version - 1, agent.Now, "admin-2");

        Assert.Empty(agent.Session.ApplyPreferences(restored));

        Assert.Equal(restored, agent.Data.Preferences);
        Assert.Null(agent.Session.InactivityDeadline);
    }

    [Theory]
    [InlineData(60, 30, 60, 30, true)]
    [InlineData(43200, 1800, 60, 30, true)]
    [InlineData(59, 30, 60, 30, false)]
    [InlineData(60, 29, 60, 30, false)]
    [InlineData(43201, 180, 60, 30, false)]
    [InlineData(1800, 1801, 60, 30, false)]
    [InlineData(1, 1, 1, 1, true)]
    [InlineData(0, 1, 1, 1, false)]
    public void PreferenceRules_Validate_AcceptsOnlyConfiguredRange(int timeout, int grace, int minTimeout, int minGrace, bool valid)
    {
        var rules = new PreferenceRules(minTimeout, minGrace);
        var preferences = new WorkSessionPreferences(true, true, timeout, grace);

        if (valid)
        {
            rules.Validate(preferences);
        }
        else
        {
            Assert.Equal(ErrorCodes.InvalidPreferences, Assert.Throws<WorkSessionException>(() => rules.Validate(preferences)).Code);
        }
    }
}
