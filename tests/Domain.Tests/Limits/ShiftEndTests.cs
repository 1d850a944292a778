using Microsoft.Extensions.Time.Testing;
using WorkSessions.Contracts;
using WorkSessions.Domain.Limits;

namespace WorkSessions.Domain.Tests.Limits;

/// <summary>The end of a team's shift (docs/architecture.md#shift-end) on a fake clock, to the second, daylight-saving days included.</summary>
public sealed class ShiftEndTests
{
    private static TeamMembership Team(string time, int warnMinutes, string zone = "Europe/Berlin", long version = 1) =>
        new("day", new TeamPreferenceOverrides(ShiftEnd: new ShiftEnd(time, warnMinutes)), version, zone);

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text + "Z", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An agent in <paramref name="team"/> (auto-end off) whose clock reads <paramref name="now"/>.</summary>
    private static AgentUnderTest AgentAt(DateTimeOffset now, TeamMembership? team)
    {
        var agent = new AgentUnderTest(autoEnd: false);
        agent.Clock.SetUtcNow(now);
        agent.Session.ApplyTeam(team);
        agent.Session.MarkSaved();
        return agent;
    }

    [Fact]
    public void WarnsWarnMinutesBefore_AndEndsShiftEndedAtTheLocalTime_ToTheSecond()
    {
        // Berlin in June is UTC+2: 17:00 local is 15:00 UTC.
        var agent = AgentAt(Utc("2026-06-15T06:00:00"), Team("17:00", 10));
        agent.Start();

        Assert.Equal(Utc("2026-06-15T14:50:00"), agent.Session.NextDeadline);
        agent.Clock.SetUtcNow(Utc("2026-06-15T14:49:59"));
        Assert.Empty(agent.Session.CheckDeadlines());
        agent.Clock.SetUtcNow(Utc("2026-06-15T14:50:00"));
        var ending = Assert.IsType<ShiftEnding>(Assert.Single(agent.Session.CheckDeadlines()));
        Assert.Equal((Utc("2026-06-15T14:50:00"), Utc("2026-06-15T15:00:00")), (ending.At, ending.EndsAt));

        agent.Clock.SetUtcNow(Utc("2026-06-15T14:59:59"));
        Assert.Empty(agent.Session.CheckDeadlines());
        agent.Clock.SetUtcNow(Utc("2026-06-15T15:00:00"));
        var events = agent.Session.CheckDeadlines();
        var ended = Assert.IsType<SessionEnded>(events[0]);
        Assert.Equal((EndReason.ShiftEnded, Utc("2026-06-15T15:00:00")), (ended.Record.EndReason, ended.Record.EndedAt));
        Assert.Equal(AgentStatus.Offline, agent.Data.Status);
    }

    [Fact]
    public void AnEngagementOpenAtTheEnd_EndsTheSessionWhenItEnds()
    {
        var agent = AgentAt(Utc("2026-06-15T06:00:00"), Team("17:00", 10));
        agent.Start();
        agent.Clock.SetUtcNow(Utc("2026-06-15T14:55:00"));
        agent.Session.CheckDeadlines();
        agent.Session.BeginEngagement("call-1");
        Assert.Null(agent.Session.NextDeadline);
        agent.Clock.SetUtcNow(Utc("2026-06-15T15:20:00"));
        Assert.Empty(agent.Session.CheckDeadlines());

        agent.Clock.SetUtcNow(Utc("2026-06-15T15:31:07"));
        var events = agent.Session.EndEngagement("call-1");

        var ended = Assert.Single(events.OfType<SessionEnded>());
        Assert.Equal((EndReason.ShiftEnded, Utc("2026-06-15T15:31:07")), (ended.Record.EndReason, ended.Record.EndedAt));
        Assert.Null(agent.Data.Session);
    }

    [Fact]
    public void ASessionStartedAfterTodaysShiftEnd_EndsAtTomorrows()
    {
        var agent = AgentAt(Utc("2026-06-15T16:00:00"), Team("17:00", 10)); // 18:00 in Berlin
        agent.Start();
        Assert.Equal(Utc("2026-06-16T14:50:00"), agent.Session.NextDeadline);
    }

    [Fact]
    public void ASessionStartedInsideTheWarning_IsWarnedAtOnce_AndStillEndsAtTheShiftEnd()
    {
        var agent = AgentAt(Utc("2026-06-15T14:58:00"), Team("17:00", 10));
        var events = agent.Session.Start(AgentStatus.Ready, null);

        var ending = Assert.Single(events.OfType<ShiftEnding>());
        Assert.Equal((Utc("2026-06-15T14:58:00"), Utc("2026-06-15T15:00:00")), (ending.At, ending.EndsAt));
        Assert.Equal(Utc("2026-06-15T15:00:00"), agent.Session.NextDeadline);
    }

    [Fact]
    public void ATeamChangeMovingTheEndIntoThePast_WarnsNow_AndEndsAfterTheFullWarning()
    {
        var agent = AgentAt(Utc("2026-06-15T06:00:00"), Team("17:00", 10));
        agent.Start();
        agent.Clock.SetUtcNow(Utc("2026-06-15T13:00:00")); // 15:00 in Berlin

        var events = agent.Session.ApplyTeam(Team("14:00", 10, version: 2));

        var ending = Assert.IsType<ShiftEnding>(Assert.Single(events));
        Assert.Equal(Utc("2026-06-15T13:10:00"), ending.EndsAt);
        agent.Clock.SetUtcNow(Utc("2026-06-15T13:10:00"));
        Assert.Equal(EndReason.ShiftEnded, Assert.IsType<SessionEnded>(agent.Session.CheckDeadlines()[0]).Record.EndReason);
    }

    [Fact]
    public void ATeamChangeToALaterEnd_AfterTheWarning_WarnsAgainForTheNewEnd()
    {
        var agent = AgentAt(Utc("2026-06-15T06:00:00"), Team("17:00", 10));
        agent.Start();
        agent.Clock.SetUtcNow(Utc("2026-06-15T14:52:00"));
        agent.Session.CheckDeadlines();

        Assert.Empty(agent.Session.ApplyTeam(Team("18:00", 10, version: 2)));

        Assert.Equal(Utc("2026-06-15T15:50:00"), agent.Session.NextDeadline);
        agent.Clock.SetUtcNow(Utc("2026-06-15T15:00:00"));
        Assert.Empty(agent.Session.CheckDeadlines());
    }

    [Fact]
    public void AnAgentMovedOutOfTheTeam_HasNoShiftEnd_AndOneMovedInGetsIt()
    {
        var agent = AgentAt(Utc("2026-06-15T06:00:00"), Team("17:00", 10));
        agent.Start();
        agent.Session.ApplyTeam(null);
        Assert.Null(agent.Session.NextDeadline);
        agent.Clock.SetUtcNow(Utc("2026-06-15T16:00:00"));
        Assert.Empty(agent.Session.CheckDeadlines());

        // Moved into a team in New York (UTC-4 in June): 17:00 there is 21:00 UTC, after the session started.
        agent.Session.ApplyTeam(Team("17:00", 10, "America/New_York"));
        Assert.Equal(Utc("2026-06-15T20:50:00"), agent.Session.NextDeadline);
    }

    [Fact]
    public void ATimeZoneChange_ReachesTheDeadline()
    {
        var agent = AgentAt(Utc("2026-06-15T06:00:00"), Team("17:00", 10, "UTC"));
        agent.Start();
        Assert.Equal(Utc("2026-06-15T16:50:00"), agent.Session.NextDeadline);
        agent.Session.ApplyTeam(Team("17:00", 10, "Asia/Tokyo", version: 2)); // UTC+9: 17:00 is 08:00 UTC
        Assert.Equal(Utc("2026-06-15T07:50:00"), agent.Session.NextDeadline);
    }

    [Theory]
    // Spring forward, Berlin 29 March 2026: 02:00 CET becomes 03:00 CEST; 02:30 does not exist: reached at the jump, 01:00 UTC.
    [InlineData("Europe/Berlin", "2026-03-28T20:00:00", "02:30", "2026-03-29T01:00:00")]
    // New York 8 March 2026: 02:00 EST becomes 03:00 EDT; 02:30 is reached at 07:00 UTC.
    [InlineData("America/New_York", "2026-03-08T01:00:00", "02:30", "2026-03-08T07:00:00")]
    // Fall back, Berlin 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice: the first, 00:30 UTC.
    [InlineData("Europe/Berlin", "2026-10-24T20:00:00", "02:30", "2026-10-25T00:30:00")]
    // New York 1 November 2026: 01:30 happens twice (EDT, then EST): the first, 05:30 UTC.
    [InlineData("America/New_York", "2026-11-01T01:00:00", "01:30", "2026-11-01T05:30:00")]
    // The day after each change the time is plain again.
    [InlineData("Europe/Berlin", "2026-03-29T02:00:00", "02:30", "2026-03-30T00:30:00")]
    [InlineData("Europe/Berlin", "2026-10-25T01:00:00", "02:30", "2026-10-26T01:30:00")]
    public void DaylightSavingDays_TheFirstInstantTheWallClockReachesTheTime(string zone, string startedAtUtc, string time, string expectedUtc)
    {
        var occurrence = ShiftClock.NextOccurrence(ShiftClock.ParseTime(time)!.Value, ShiftClock.Zone(zone), Utc(startedAtUtc));
        Assert.Equal(Utc(expectedUtc), occurrence);
    }

    [Fact]
    public void SpringForward_TheSessionEndsAtTheJump_ToTheSecond()
    {
        var agent = AgentAt(Utc("2026-03-28T20:00:00"), Team("02:30", 15));
        agent.Start();
        Assert.Equal(Utc("2026-03-29T00:45:00"), agent.Session.NextDeadline); // 01:45 CET
        agent.Clock.SetUtcNow(Utc("2026-03-29T00:45:00"));
        Assert.Equal(Utc("2026-03-29T01:00:00"), Assert.IsType<ShiftEnding>(Assert.Single(agent.Session.CheckDeadlines())).EndsAt);
        agent.Clock.SetUtcNow(Utc("2026-03-29T00:59:59"));
        Assert.Empty(agent.Session.CheckDeadlines());
        agent.Clock.SetUtcNow(Utc("2026-03-29T01:00:00"));
        Assert.Equal(EndReason.ShiftEnded, Assert.IsType<SessionEnded>(agent.Session.CheckDeadlines()[0]).Record.EndReason);
    }
}
