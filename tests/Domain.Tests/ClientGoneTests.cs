using WorkSessions.Contracts;
using WorkSessions.Domain.Presence;
using static WorkSessions.Domain.Tests.AgentUnderTest;

namespace WorkSessions.Domain.Tests;

/// <summary>The client-gone rule (docs/architecture.md#client-presence) on a fake clock, to the second.</summary>
public sealed class ClientGoneTests
{
    private static AgentUnderTest Agent(int? goneSeconds, ClientGoneAction action = ClientGoneAction.NotReady)
    {
        var agent = new AgentUnderTest(timeoutSeconds: 3600, graceSeconds: 180);
        var preferences = agent.NextPreferences(true, true, 3600, 180);
        agent.Session.ApplyPreferences(preferences with
        {
            Preferences = preferences.Preferences with { ClientGoneSeconds = goneSeconds, ClientGoneAction = action },
        });
        agent.Session.MarkSaved();
        return agent;
    }

    private static IReadOnlyList<AgentEvent> Absent(AgentUnderTest agent) => agent.Session.Run(new WorkSessionCommand.ClientAbsent(agent.Now));

    private static IReadOnlyList<AgentEvent> Connected(AgentUnderTest agent) => agent.Session.Run(new WorkSessionCommand.ClientConnected());

    /// <summary>Moves the clock to the next deadline and fires it, as the grain's timer does.</summary>
    private static IReadOnlyList<AgentEvent> FireNextDeadline(AgentUnderTest agent)
    {
        agent.Clock.SetUtcNow(agent.Session.NextDeadline ?? throw new InvalidOperationException("No deadline."));
        return agent.Session.CheckDeadlines();
    }

    [Fact]
    public void NotReady_ExactlyClientGoneSecondsAfterTheLastStreamWent()
    {
        var agent = Agent(30);
        var open = agent.Start();
        Connected(agent);
        agent.Advance(100);
        Assert.Empty(Absent(agent));
        Assert.False(agent.Session.HasUnsavedChanges);
        Assert.Equal(At(130), agent.Session.NextDeadline);

        agent.Clock.SetUtcNow(At(129));
        Assert.Empty(agent.Session.CheckDeadlines());

        var events = FireNextDeadline(agent);

        Assert.Collection(
            events,
            e =>
            {
                var gone = Assert.IsType<ClientGone>(e);
                Assert.Equal((At(130), open.SessionId, ClientGoneAction.NotReady, At(100)), (gone.At, gone.SessionId, gone.Action, gone.GoneSince));
            },
            e =>
            {
                var changed = Assert.IsType<StatusChanged>(e);
                Assert.Equal((AgentStatus.Ready, AgentStatus.NotReady, ClientPresenceRule.DisconnectedReason, Actor.System, At(130)),
                    (changed.From, changed.To, changed.Reason, changed.Actor, changed.At));
            });
        Assert.NotNull(agent.Data.Session);
        Assert.True(agent.Session.HasUnsavedChanges);

        // Once per absence: nothing more while it lasts.
        agent.Advance(600);
        Assert.Empty(agent.Session.CheckDeadlines());
        Assert.Equal(At(3600), agent.Session.NextDeadline); // the inactivity prompt alone
    }

    [Fact]
    public void EndSession_EndsClientGoneByTheSystem()
    {
        var agent = Agent(15, ClientGoneAction.EndSession);
        var open = agent.Start();
        Absent(agent);

        var events = FireNextDeadline(agent);

        Assert.Equal(At(15), agent.Now);
        Assert.IsType<ClientGone>(events[0]);
        var ended = Assert.IsType<SessionEnded>(events[1]);
        Assert.Equal((EndReason.ClientGone, (string?)null, At(15), open.SessionId), (ended.Record.EndReason, ended.Record.EndedBy, ended.Record.EndedAt, ended.Record.SessionId));
        var offline = Assert.IsType<StatusChanged>(events[2]);
        Assert.Equal((AgentStatus.Offline, Actor.System), (offline.To, offline.Actor));
        Assert.Null(agent.Data.Session);
    }

    [Fact]
    public void ReconnectingInTime_CancelsIt()
    {
        var agent = Agent(30);
        agent.Start();
        Absent(agent);
        agent.Clock.SetUtcNow(At(29));

        Assert.Empty(Connected(agent));

        Assert.Equal(At(3600), agent.Session.NextDeadline); // the inactivity prompt alone
        agent.Clock.SetUtcNow(At(31));
        Assert.Empty(agent.Session.CheckDeadlines());
        Assert.Equal(AgentStatus.Ready, agent.Data.Status);
    }

    [Fact]
    public void ConnectedClient_IsNeverGone()
    {
        var agent = Agent(15, ClientGoneAction.EndSession);
        agent.Start();
        Connected(agent);

        agent.Advance(3599);
        Assert.Empty(agent.Session.CheckDeadlines());
        Assert.NotNull(agent.Data.Session);
        Assert.Equal(At(3600), agent.Session.NextDeadline);
    }

    [Fact]
    public void OpenEngagement_DefersTheActionToItsEnd()
    {
        var agent = Agent(30, ClientGoneAction.EndSession);
        agent.Start();
        agent.Session.BeginEngagement("call-1");
        Absent(agent);

        agent.Clock.SetUtcNow(At(500));
        Assert.Empty(agent.Session.CheckDeadlines());
        Assert.Null(agent.Session.NextDeadline);

        var events = agent.Session.EndEngagement("call-1");

        Assert.Contains(events, e => e is ClientGone { GoneSince: var since } && since == At(0));
        var ended = Assert.Single(events.OfType<SessionEnded>());
        Assert.Equal((EndReason.ClientGone, At(500)), (ended.Record.EndReason, ended.Record.EndedAt));
    }

    [Fact]
    public void ClientBack_AfterTheAction_SaysSinceWhen()
    {
        var agent = Agent(20);
        var open = agent.Start();
        agent.Advance(10);
        Absent(agent);
        FireNextDeadline(agent); // at 30
        agent.Session.MarkSaved();
        agent.Advance(45);

        var back = Assert.IsType<ClientBack>(Assert.Single(Connected(agent)));

        Assert.Equal((At(75), open.SessionId, At(10)), (back.At, back.SessionId, back.GoneSince));
        Assert.True(agent.Session.HasUnsavedChanges);
        Assert.Equal(AgentStatus.NotReady, agent.Data.Status); // the agent chooses when to be ready again

        // Gone again: acts again, a new absence.
        Absent(agent);
        Assert.IsType<ClientGone>(FireNextDeadline(agent)[0]);
        Assert.Equal(At(95), agent.Now);
    }

    [Fact]
    public void Clock_NeverCountsFromBeforeTheSessionStarted()
    {
        var agent = Agent(60);
        Absent(agent); // no session: nothing runs
        Assert.Null(agent.Session.NextDeadline);
        agent.Advance(1000);

        agent.Start();

        Assert.Equal(At(1060), agent.Session.NextDeadline);
    }

    [Fact]
    public void Off_ByDefault()
    {
        var agent = Agent(null);
        agent.Start();
        Absent(agent);

        Assert.Equal(At(3600), agent.Session.NextDeadline);
        agent.Advance(3599);
        Assert.Empty(agent.Session.CheckDeadlines());
    }

    [Fact]
    public void TeamOverride_AppliesOverTheTenant()
    {
        var agent = Agent(600);
        agent.Start();
        Absent(agent);

        agent.Session.ApplyTeam(new TeamMembership("night", new TeamPreferenceOverrides { ClientGoneSeconds = 45, ClientGoneAction = ClientGoneAction.EndSession }, 1));

        Assert.Equal(At(45), agent.Session.NextDeadline);
        Assert.Equal(EndReason.ClientGone, Assert.Single(FireNextDeadline(agent).OfType<SessionEnded>()).Record.EndReason);
    }

    [Fact]
    public void TurningTheRuleOn_ActsAtOnceOnAClientGoneLongEnough()
    {
        var agent = Agent(null);
        agent.Start();
        Absent(agent);
        agent.Advance(100);
        var preferences = agent.NextPreferences(true, true, 3600, 180);

        var events = agent.Session.ApplyPreferences(preferences with { Preferences = preferences.Preferences with { ClientGoneSeconds = 30 } });

        Assert.Equal(At(0), Assert.IsType<ClientGone>(events[0]).GoneSince);
    }

    [Theory]
    [InlineData(14, "clientGoneSeconds must be between 15 and 3600, or null (off)")]
    [InlineData(3601, "clientGoneSeconds must be between 15 and 3600, or null (off)")]
    public void Validation_NamesTheField(int seconds, string expected)
    {
        var rules = new PreferenceRules(1, 1);
        var tenant = Assert.Throws<WorkSessionException>(() => rules.Validate(WorkSessionPreferences.Default with { ClientGoneSeconds = seconds }));
        var team = Assert.Throws<WorkSessionException>(() => rules.Validate(new TeamPreferenceOverrides { ClientGoneSeconds = seconds }, WorkSessionPreferences.DefaultNotReadyReasons));
        var action = Assert.Throws<WorkSessionException>(() => rules.Validate(WorkSessionPreferences.Default with { ClientGoneAction = (ClientGoneAction)7 }));

        Assert.Equal((ErrorCodes.InvalidPreferences, expected + "."), (tenant.Code, tenant.Message));
        Assert.Equal((ErrorCodes.InvalidPreferences, "preferences." + expected + "."), (team.Code, team.Message));
        Assert.Equal("clientGoneAction must be notReady or endSession.", action.Message);
        rules.Validate(WorkSessionPreferences.Default with { ClientGoneSeconds = 15 });
        rules.Validate(WorkSessionPreferences.Default with { ClientGoneSeconds = 3600, ClientGoneAction = ClientGoneAction.EndSession });
    }
}
