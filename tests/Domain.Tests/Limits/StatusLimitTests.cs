using WorkSessions.Contracts;
using WorkSessions.Domain.Limits;
using static WorkSessions.Domain.Tests.AgentUnderTest;

namespace WorkSessions.Domain.Tests.Limits;

/// <summary>Not-ready limits (docs/architecture.md#limits) on a fake clock, to the second.</summary>
public sealed class StatusLimitTests
{
    /// <summary>An agent whose tenant limits Break to 10 minutes, warned 2 minutes before; auto-end off so inactivity stays out of the way.</summary>
    private static AgentUnderTest AgentWithLimit(StatusLimitAction action, int maxSeconds = 600, int warnSecondsBefore = 120)
    {
        var agent = new AgentUnderTest(autoEnd: false);
        agent.Session.ApplyPreferences(Limited(agent, [new NotReadyLimit("Break", maxSeconds, warnSecondsBefore, action)]));
        agent.Session.MarkSaved();
        return agent;
    }

    private static TenantPreferences Limited(AgentUnderTest agent, NotReadyLimit[] limits) =>
        agent.Data.Preferences with
        {
            Preferences = agent.Data.Preferences.Preferences with { NotReadyLimits = [.. limits] },
            Version = agent.Data.Preferences.Version + 1,
        };

    [Fact]
    public void Alert_WarnsBeforeAndReportsTheLimit_ToTheSecond_AndTheSessionStays()
    {
        var agent = AgentWithLimit(StatusLimitAction.Alert);
        agent.Start();
        agent.Advance(100);
        agent.Session.SetStatus(AgentStatus.NotReady, "Break"); // since 100: warn at 580, limit at 700

        Assert.Equal(At(580), agent.Session.NextDeadline);
        agent.Clock.SetUtcNow(At(579));
        Assert.Empty(agent.Session.CheckDeadlines());
        agent.Clock.SetUtcNow(At(580));
        var warned = Assert.IsType<StatusLimitWarned>(Assert.Single(agent.Session.CheckDeadlines()));
        Assert.Equal(("Break", At(580), At(700)), (warned.Reason, warned.At, warned.LimitAt));
        Assert.Empty(agent.Session.CheckDeadlines());

        Assert.Equal(At(700), agent.Session.NextDeadline);
        agent.Clock.SetUtcNow(At(699));
        Assert.Empty(agent.Session.CheckDeadlines());
        agent.Clock.SetUtcNow(At(700));
        var reached = Assert.IsType<StatusLimitReached>(Assert.Single(agent.Session.CheckDeadlines()));
        Assert.Equal(("Break", StatusLimitAction.Alert, At(100), At(700)), (reached.Reason, reached.Action, reached.Since, reached.At));

        // Once per status period: nothing more, and the session stays open.
        Assert.Null(agent.Session.NextDeadline);
        agent.Advance(3600);
        Assert.Empty(agent.Session.CheckDeadlines());
        Assert.Equal(SessionState.Active, agent.Session.State);
    }

    [Fact]
    public void EndSession_EndsStatusLimitAtTheLimit_AgentOffline()
    {
        var agent = AgentWithLimit(StatusLimitAction.EndSession);
        agent.Start(AgentStatus.NotReady, "Break"); // since 0
        agent.Clock.SetUtcNow(At(480));
        Assert.IsType<StatusLimitWarned>(Assert.Single(agent.Session.CheckDeadlines()));

        agent.Clock.SetUtcNow(At(600));
        var events = agent.Session.CheckDeadlines();

        Assert.IsType<StatusLimitReached>(events[0]);
        var ended = Assert.IsType<SessionEnded>(events[1]);
        Assert.Equal((EndReason.StatusLimit, At(600), (string?)null), (ended.Record.EndReason, ended.Record.EndedAt, ended.Record.EndedBy));
        Assert.Equal(AgentStatus.Offline, Assert.IsType<StatusChanged>(events[2]).To);
        Assert.Equal(ActorRole.System, ((StatusChanged)events[2]).Actor.Role);
        Assert.Null(agent.Data.Session);
    }

    [Fact]
    public void TheClockIsTheTimeInTheStatus_NotSinceTheSessionStarted()
    {
        var agent = AgentWithLimit(StatusLimitAction.EndSession);
        agent.Start();
        agent.Clock.SetUtcNow(At(5000));
        agent.Session.SetStatus(AgentStatus.NotReady, "Break");

        Assert.Equal(At(5480), agent.Session.NextDeadline);
        Assert.Empty(agent.Session.CheckDeadlines());
    }

    [Fact]
    public void TheSameReasonAgain_KeepsTheClock_AnotherReasonOrReady_RestartsIt()
    {
        var agent = AgentWithLimit(StatusLimitAction.EndSession);
        agent.Session.ApplyPreferences(Limited(agent, [new NotReadyLimit("Break", 600, 120, StatusLimitAction.EndSession), new NotReadyLimit("Lunch", 600, 120, StatusLimitAction.EndSession)]));
        agent.Start(AgentStatus.NotReady, "Break");
        agent.Clock.SetUtcNow(At(300));
        Assert.Empty(agent.Session.SetStatus(AgentStatus.NotReady, "Break")); // a no-op change
        Assert.Equal(At(480), agent.Session.NextDeadline);

        agent.Session.SetStatus(AgentStatus.NotReady, "Lunch");
        Assert.Equal(At(780), agent.Session.NextDeadline);

        agent.Clock.SetUtcNow(At(400));
        agent.Session.SetStatus(AgentStatus.Ready, null);
        Assert.Null(agent.Session.NextDeadline);
        agent.Session.SetStatus(AgentStatus.NotReady, "Lunch");
        Assert.Equal(At(880), agent.Session.NextDeadline);
    }

    [Fact]
    public void AReasonWithoutALimit_AndReady_HaveNoDeadline()
    {
        var agent = AgentWithLimit(StatusLimitAction.EndSession);
        agent.Start(AgentStatus.NotReady, "Training");
        Assert.Null(agent.Session.NextDeadline);
        agent.Advance(86400);
        Assert.Empty(agent.Session.CheckDeadlines());
    }

    [Fact]
    public void AnEngagement_StopsTheClock_TheStatusAfterItStartsItAgain()
    {
        var agent = AgentWithLimit(StatusLimitAction.EndSession);
        agent.Start(AgentStatus.NotReady, "Break");
        agent.Clock.SetUtcNow(At(500));
        Assert.IsType<StatusLimitWarned>(Assert.Single(agent.Session.CheckDeadlines()));
        agent.Session.BeginEngagement("call-1");
        Assert.Null(agent.Session.NextDeadline);
        agent.Clock.SetUtcNow(At(900));
        Assert.Empty(agent.Session.CheckDeadlines());

        var events = agent.Session.EndEngagement("call-1"); // back to Break since 900

        Assert.Equal(AgentStatus.NotReady, Assert.IsType<StatusChanged>(Assert.Single(events)).To);
        Assert.Equal(At(1380), agent.Session.NextDeadline);
    }

    [Fact]
    public void ALimitShortenedPastTheAgentsTime_WarnsNow_AndEndsOnlyAfterTheFullWarning()
    {
        var agent = AgentWithLimit(StatusLimitAction.EndSession, maxSeconds: 3600, warnSecondsBefore: 120);
        agent.Start(AgentStatus.NotReady, "Break");
        agent.Clock.SetUtcNow(At(1000));

        var events = agent.Session.ApplyPreferences(Limited(agent, [new NotReadyLimit("Break", 600, 120, StatusLimitAction.EndSession)]));

        var warned = Assert.IsType<StatusLimitWarned>(Assert.Single(events));
        Assert.Equal((At(1000), At(1120)), (warned.At, warned.LimitAt));
        agent.Clock.SetUtcNow(At(1119));
        Assert.Empty(agent.Session.CheckDeadlines());
        agent.Clock.SetUtcNow(At(1120));
        Assert.Equal(EndReason.StatusLimit, Assert.IsType<SessionEnded>(agent.Session.CheckDeadlines()[1]).Record.EndReason);
    }

    [Fact]
    public void ALimitLengthenedAfterTheWarning_ReachesAtTheNewLimit()
    {
        var agent = AgentWithLimit(StatusLimitAction.Alert);
        agent.Start(AgentStatus.NotReady, "Break");
        agent.Clock.SetUtcNow(At(480));
        agent.Session.CheckDeadlines();

        agent.Session.ApplyPreferences(Limited(agent, [new NotReadyLimit("Break", 900, 120, StatusLimitAction.Alert)]));

        Assert.Equal(At(900), agent.Session.NextDeadline);
        agent.Clock.SetUtcNow(At(899));
        Assert.Empty(agent.Session.CheckDeadlines());
        agent.Clock.SetUtcNow(At(900));
        Assert.IsType<StatusLimitReached>(Assert.Single(agent.Session.CheckDeadlines()));
    }

    [Fact]
    public void ATeamsListReplacesTheTenantsWholeList()
    {
        var agent = AgentWithLimit(StatusLimitAction.EndSession);
        var team = new TeamMembership("night", new TeamPreferenceOverrides(NotReadyLimits: [new NotReadyLimit("Lunch", 300, 60, StatusLimitAction.Alert)]), 1);
        agent.Session.ApplyTeam(team);
        agent.Start(AgentStatus.NotReady, "Break");
        Assert.Null(agent.Session.NextDeadline);
        agent.Session.SetStatus(AgentStatus.NotReady, "Lunch");
        Assert.Equal(At(240), agent.Session.NextDeadline);

        agent.Session.ApplyTeam(team with { Preferences = new TeamPreferenceOverrides(NotReadyLimits: []), Version = 2 });
        Assert.Null(agent.Session.NextDeadline);
    }

    [Fact]
    public void Validation_NamesEveryProblemWithAStableCode()
    {
        var rules = new PreferenceRules(60, 30);
        var preferences = WorkSessionPreferences.Default with
        {
            NotReadyLimits =
            [
                new NotReadyLimit("Break", 600, 120, StatusLimitAction.Alert),
                new NotReadyLimit("Nap", 600, 0, StatusLimitAction.Alert),
                new NotReadyLimit("break", 600, 0, StatusLimitAction.Alert),
                new NotReadyLimit("Lunch", 59, 0, StatusLimitAction.Alert),
                new NotReadyLimit("Training", 600, 600, StatusLimitAction.Alert),
                new NotReadyLimit("Meeting", 600, -1, (StatusLimitAction)7),
            ],
        };

        var error = Assert.Throws<WorkSessionException>(() => rules.Validate(preferences));

        Assert.Equal(ErrorCodes.InvalidPreferences, error.Code);
        Assert.Equal(
            "notReadyLimits: limit 2 names a reason that is not one of notReadyReasons; notReadyLimits: limit 3 repeats the reason of limit 1; "
            + "notReadyLimits: limit 4 maxSeconds must be between 60 and 86400; notReadyLimits: limit 5 warnSecondsBefore must be at least 0 and less than maxSeconds; "
            + "notReadyLimits: limit 6 warnSecondsBefore must be at least 0 and less than maxSeconds; notReadyLimits: limit 6 action must be alert or endSession.",
            error.Message);
        rules.Validate(WorkSessionPreferences.Default with { NotReadyLimits = [new NotReadyLimit("Break", 60, 59, StatusLimitAction.EndSession), new NotReadyLimit("Lunch", 86400, 0, StatusLimitAction.Alert)] });
        var tooMany = Assert.Throws<WorkSessionException>(() => rules.Validate(WorkSessionPreferences.Default with { NotReadyLimits = [.. Enumerable.Repeat(new NotReadyLimit("Break", 600, 0, StatusLimitAction.Alert), 21)] }));
        Assert.Equal("notReadyLimits must hold at most 20 limits, not 21.", tooMany.Message);
    }

    [Fact]
    public void Validation_OfATeam_JudgesItsLimitsByTheTenantsReasons_AndItsShiftEnd()
    {
        var rules = new PreferenceRules(60, 30);
        var overrides = new TeamPreferenceOverrides(
            NotReadyLimits: [new NotReadyLimit("Coaching", 600, 0, StatusLimitAction.Alert)],
            ShiftEnd: new ShiftEnd("24:00", 241));

        var error = Assert.Throws<WorkSessionException>(() => rules.Validate(overrides, ["Break"]));

        Assert.Equal(
            "preferences.notReadyLimits: limit 1 names a reason that is not one of notReadyReasons; preferences.shiftEnd.time must be a time of day HH:mm, 00:00 to 23:59; "
            + "preferences.shiftEnd.warnMinutes must be between 0 and 240.",
            error.Message);
        rules.Validate(overrides with { ShiftEnd = new ShiftEnd("23:59", 240) }, ["Break", "Coaching"]);
        Assert.Null(ShiftClock.ParseTime("7:30"));
        Assert.Null(ShiftClock.ParseTime("07:30:00"));
    }
}
