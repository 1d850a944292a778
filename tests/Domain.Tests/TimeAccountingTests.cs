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
}
