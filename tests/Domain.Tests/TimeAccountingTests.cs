using System.Text.Json;
using WorkSessions.Contracts;
using static WorkSessions.Domain.Tests.AgentUnderTest;

namespace WorkSessions.Domain.Tests;

/// <summary>Time per status in the session record, and which changes must be written to storage (docs/architecture.md#recovery-rule).</summary>
public sealed class TimeAccountingTests
{
    [Fact]
    public void SessionRecord_CountsSecondsInEachStatusExactly()
    {
        var agent = new AgentUnderTest(autoEnd: false);
        agent.Start(AgentStatus.Ready);
        agent.Advance(100);
        agent.Session.SetStatus(AgentStatus.NotReady, "lunch");
        agent.Advance(250);
        agent.Session.BeginEngagement("call-1");
        agent.Advance(40);
        agent.Session.EndEngagement("call-1"); // back to not ready
        agent.Advance(10);
        agent.Session.SetStatus(AgentStatus.NotReady, "lunch"); // same status: not a change
        agent.Session.SetStatus(AgentStatus.Ready, null);
        agent.Advance(7);

        var ended = Assert.IsType<SessionEnded>(agent.Session.End(Actor.Agent(AgentId), null)[0]);

        Assert.Equal((107d, 260d, 40d), (ended.Record.ReadySeconds, ended.Record.NotReadySeconds, ended.Record.OccupiedSeconds));
        Assert.Equal((T0, At(407)), (ended.Record.StartedAt, ended.Record.EndedAt));
    }

    [Fact]
    public void SessionRecord_AfterInactivityEnd_CountsWarnedTimeInStatus()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600, graceSeconds: 180);
        agent.Start(AgentStatus.NotReady, "break");
        agent.WaitForPrompt();
        agent.Clock.SetUtcNow(At(780));

        var ended = Assert.IsType<SessionEnded>(agent.Session.CheckDeadlines()[0]);

        Assert.Equal((0d, 780d, 0d), (ended.Record.ReadySeconds, ended.Record.NotReadySeconds, ended.Record.OccupiedSeconds));
    }

    [Fact]
    public void SessionRecord_OfNextSession_StartsFromZero()
    {
        var agent = new AgentUnderTest(autoEnd: false);
        agent.Start(AgentStatus.Ready);
        agent.Advance(50);
        agent.Session.End(Actor.Agent(AgentId), null);
        agent.Advance(1000); // offline between sessions counts nowhere
        agent.Start(AgentStatus.NotReady, "meeting");
        agent.Advance(20);

        var ended = Assert.IsType<SessionEnded>(agent.Session.End(Actor.Agent(AgentId), null)[0]);

        Assert.Equal((0d, 20d, 0d), (ended.Record.ReadySeconds, ended.Record.NotReadySeconds, ended.Record.OccupiedSeconds));
    }

    [Fact]
    public void HasUnsavedChanges_AfterRecordActivityAlone_IsFalse()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        Assert.False(agent.Session.HasUnsavedChanges);

        for (var i = 1; i <= 10; i++)
        {
            agent.Advance(30);
            agent.Session.RecordActivity();
        }

        Assert.False(agent.Session.HasUnsavedChanges);
        Assert.Equal(At(300), agent.Open.LastActivityAt);
    }

    [Fact]
    public void HasUnsavedChanges_AfterTransition_IsTrueUntilMarkedSaved()
    {
        var agent = new AgentUnderTest();
        Assert.False(agent.Session.HasUnsavedChanges);

        agent.Session.Start(AgentStatus.Ready, null);
        Assert.True(agent.Session.HasUnsavedChanges);

        agent.Session.MarkSaved();
        Assert.False(agent.Session.HasUnsavedChanges);

        agent.Session.SetStatus(AgentStatus.NotReady, "lunch");
        Assert.True(agent.Session.HasUnsavedChanges);
    }

    [Fact]
    public void View_OfAnOpenSession_GivesTheTimePerStatusAsOfTheCurrentStatusStart()
    {
        var agent = new AgentUnderTest(autoEnd: false);
        agent.Start(AgentStatus.Ready);
        agent.Advance(100);
        agent.Session.SetStatus(AgentStatus.NotReady, "lunch");
        agent.Advance(250);
        agent.Session.BeginEngagement("call-1");
        agent.Advance(40);

        var time = agent.Session.ToView().Session!.TimeInStatus;

        // Occupied since 350; the 40 s since then are the reader's to add, in the current status.
        Assert.Equal(new StatusTimeView(At(350), 100, 250, 0), time);
        var ended = Assert.IsType<SessionEnded>(agent.Session.End(Actor.Agent(AgentId), null)[0]);
        Assert.Equal(
            (time.ReadySeconds, time.NotReadySeconds, time.OccupiedSeconds + (ended.At - time.AsOf).TotalSeconds),
            (ended.Record.ReadySeconds, ended.Record.NotReadySeconds, ended.Record.OccupiedSeconds));
    }

    [Fact]
    public void RecordActivity_ReturnsANewState_AndLeavesTheGivenOneUntouched()
    {
        var agent = new AgentUnderTest(timeoutSeconds: 600);
        agent.Start();
        var given = agent.Data;
        var before = agent.Snapshot();
        agent.Advance(30);

        var next = WorkSessionMachine.RecordActivity(given, agent.Clock);

        Assert.Equal(before, JsonSerializer.Serialize(given));
        Assert.Equal(T0, given.Session!.LastActivityAt);
        Assert.Equal(At(30), next.Session!.LastActivityAt);
        Assert.Equal(At(630), WorkSessionMachine.InactivityDeadline(next));
        Assert.Same(given.OpenEngagements, next.OpenEngagements);
    }

    [Fact]
    public void StatusTime_CountsEachStatusAndReason_AndNeitherOfflineNorABackwardsPeriod()
    {
        var time = new StatusTime();

        Assert.Equal(60, time.Add(new StatusPeriod(T0, At(60), AgentStatus.Ready, null)));
        Assert.Equal(30, time.Add(new StatusPeriod(At(60), At(90), AgentStatus.NotReady, "lunch")));
        Assert.Equal(10, time.Add(new StatusPeriod(At(90), At(100), AgentStatus.NotReady, null)));
        Assert.Equal(5, time.Add(new StatusPeriod(At(100), At(105), AgentStatus.Occupied, null)));
        Assert.Equal(0, time.Add(new StatusPeriod(At(105), At(500), AgentStatus.Offline, null)));
        Assert.Equal(0, time.Add(new StatusPeriod(At(600), At(500), AgentStatus.Ready, null)));

        Assert.Equal((60d, 40d, 5d), (time.ReadySeconds, time.NotReadySeconds, time.OccupiedSeconds));
        Assert.Equal(new Dictionary<string, double> { ["lunch"] = 30, [""] = 10 }, time.NotReadyByReason);
    }
}
