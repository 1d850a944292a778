using WorkSessions.Contracts;
using static WorkSessions.Domain.Tests.AgentUnderTest;

namespace WorkSessions.Domain.Tests;

/// <summary>
/// A change of an agent's team, or of its team's overrides, reaching an open session with the rules of
/// docs/architecture.md#state-machine (docs/architecture.md#teams).
/// </summary>
public sealed class TeamPreferenceTests
{
    private static TeamMembership Team(string teamId, bool? autoEnd = null, int? timeoutSeconds = null, int? graceSeconds = null, long version = 1) =>
        new(teamId, new TeamPreferenceOverrides(autoEnd, timeoutSeconds, graceSeconds), version);

    [Fact]
    public void AgentInATeamWithAShorterTimeout_WarnsAtTheTeamsTimeout()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        agent.Session.ApplyTeam(Team("night", timeoutSeconds: 120));
        agent.Start();

        Assert.Equal(At(120), agent.Session.InactivityDeadline);
        var warned = agent.WaitForPrompt();
        Assert.Equal((At(120), At(300)), (warned.At, warned.Deadline));
    }

    [Fact]
    public void MovedToATeamWhoseTimeoutIsAlreadyPast_WarnsNowWithTheFullGracePeriod()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        agent.Start();
        agent.Advance(200);

        var events = agent.Session.ApplyTeam(Team("night", timeoutSeconds: 120, graceSeconds: 90));

        var warned = Assert.IsType<InactivityWarned>(Assert.Single(events));
        Assert.Equal((At(200), At(290)), (warned.At, warned.Deadline));
        Assert.True(agent.Session.HasUnsavedChanges);
    }

    [Fact]
    public void WarnedAgentMovedToATeamWithALongerGrace_KeepsTheLongerOneFromThePrompt()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        agent.Start();
        agent.WaitForPrompt(); // at 600, deadline 780
        agent.Advance(100);

        var events = agent.Session.ApplyTeam(Team("supervisors", graceSeconds: 600));

        Assert.Empty(events);
        Assert.Equal(At(1200), agent.Session.GraceDeadline);
        Assert.Equal(new PromptView(At(600), At(1200)), agent.Session.ToView().Prompt);
        Assert.True(agent.Session.HasUnsavedChanges);
        agent.Clock.SetUtcNow(At(1199));
        Assert.Empty(agent.Session.CheckDeadlines());
        agent.Clock.SetUtcNow(At(1200));
        var ended = Assert.IsType<SessionEnded>(agent.Session.CheckDeadlines()[0]);
        Assert.Equal((EndReason.InactivityTimeout, At(1200)), (ended.Record.EndReason, ended.Record.EndedAt));
    }

    [Fact]
    public void WarnedAgentMovedToATeamWithAShorterGrace_KeepsThePromptsFullGracePeriod()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        agent.Start();
        agent.WaitForPrompt(); // at 600, deadline 780
        agent.Advance(100);

        var events = agent.Session.ApplyTeam(Team("night", graceSeconds: 30));

        Assert.Empty(events);
        Assert.Equal(At(780), agent.Session.GraceDeadline);
    }

    [Fact]
    public void TeamTurningAutoEndOff_WhileWarned_WithdrawsThePrompt()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        agent.WaitForPrompt();

        var events = agent.Session.ApplyTeam(Team("day", autoEnd: false));

        Assert.Equal(WarningClearedCause.AutoEndDisabled, Assert.IsType<WarningCleared>(Assert.Single(events)).Cause);
        Assert.Null(agent.Session.NextDeadline);
    }

    [Fact]
    public void AgentLeavingItsTeam_RevertsToTheTenantsTimeout()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Session.ApplyTeam(Team("supervisors", timeoutSeconds: 3600));
        agent.Start();
        agent.Advance(700);

        var events = agent.Session.ApplyTeam(null);

        var warned = Assert.IsType<InactivityWarned>(Assert.Single(events));
        Assert.Equal(At(700), warned.At);
        Assert.Null(agent.Data.Team);
    }

    [Fact]
    public void TenantChange_UnderATeamOverride_ChangesOnlyTheInheritedFields()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        agent.Session.ApplyTeam(Team("night", timeoutSeconds: 120));
        agent.Start();

        agent.ApplyPreferences(enabled: true, autoEnd: true, timeoutSeconds: 60, graceSeconds: 300);

        Assert.Equal(At(120), agent.Session.InactivityDeadline);
        var warned = agent.WaitForPrompt();
        Assert.Equal(At(420), warned.Deadline);
    }

    [Fact]
    public void TeamChange_WithNoSession_IsStoredSoAnActivationKnowsWhichTeamToAsk()
    {
        var agent = new AgentUnderTest();

        var events = agent.Session.ApplyTeam(Team("day"));

        Assert.Empty(events);
        Assert.True(agent.Session.HasUnsavedChanges);
        Assert.Equal("day", agent.Data.Team?.TeamId);
    }

    [Fact]
    public void SameTeamAgain_ChangesNothing()
    {
        var agent = new AgentUnderTest();
        agent.Session.ApplyTeam(Team("day", timeoutSeconds: 120));
        agent.Start();

        var events = agent.Session.ApplyTeam(Team("day", timeoutSeconds: 120));

        Assert.Empty(events);
        Assert.False(agent.Session.HasUnsavedChanges);
    }
}
