using System.Text.Json;
using WorkSessions.Contracts;

namespace WorkSessions.Domain.Tests;

/// <summary>
/// The machine's whole table, shaped like the one in <see cref="WorkSessionMachine"/>'s remarks: every
/// (from state, command) pair → (state, events) or a rejection, run through <see cref="WorkSessionMachine.Decide"/>,
/// which must leave the state it was given untouched.
/// </summary>
public sealed class TransitionTableTests
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly ActivityCheckpoint NoCheckpoint = new(DateTimeOffset.MaxValue, TimeSpan.MaxValue);

    public static TheoryData<string, string, string> Table => new()
    {
        // from,  command,                result: "state: events" or "!code"
        { "none", "start", "active: SessionStarted StatusChanged" },
        { "none", "activity", "!no_open_session" },
        { "none", "continue", "!no_open_session" },
        { "none", "setStatus ready", "!no_open_session" },
        { "none", "setStatus notReady", "!no_open_session" },
        { "none", "end agent", "!no_open_session" },
        { "none", "end supervisor", "!no_open_session" },
        { "none", "end admin", "!no_open_session" },
        { "none", "beginEngagement", "!no_open_session" },
        { "none", "endEngagement", "none:" },
        { "none", "deadline", "none:" },
        { "none", "activate", "none:" },

        { "active", "start", "active:" },
        { "active", "activity", "active:" },
        { "active", "continue", "active:" },
        { "active", "setStatus ready", "active:" },
        { "active", "setStatus notReady", "active: StatusChanged" },
        { "active", "end agent", "none: SessionEnded StatusChanged" },
        { "active", "end supervisor", "none: SessionEnded StatusChanged" },
        { "active", "end admin", "none: SessionEnded StatusChanged" },
        { "active", "beginEngagement", "active: StatusChanged" },
        { "active", "endEngagement", "active:" },
        { "active", "deadline", "warned: InactivityWarned" },
        { "active", "activate", "active:" },

        { "warned", "start", "warned:" },
        { "warned", "activity", "warned:" },
        { "warned", "continue", "active: WarningCleared" },
        { "warned", "setStatus ready", "warned:" },
        { "warned", "setStatus notReady", "warned: StatusChanged" },
        { "warned", "end agent", "none: SessionEnded StatusChanged" },
        { "warned", "end supervisor", "none: SessionEnded StatusChanged" },
        { "warned", "end admin", "none: SessionEnded StatusChanged" },
        { "warned", "beginEngagement", "active: StatusChanged WarningCleared" },
        { "warned", "endEngagement", "warned:" },
        { "warned", "deadline", "none: SessionEnded StatusChanged" },
        { "warned", "activate", "warned: InactivityWarned" },

        { "off", "start", "!work_sessions_disabled" },
        { "off", "activity", "!work_sessions_disabled" },
        { "off", "continue", "!work_sessions_disabled" },
        { "off", "setStatus ready", "none: StatusChanged" },
        { "off", "setStatus notReady", "none: StatusChanged" },
        { "off", "end agent", "!work_sessions_disabled" },
        { "off", "end supervisor", "!work_sessions_disabled" },
        { "off", "end admin", "!work_sessions_disabled" },
        { "off", "beginEngagement", "none: StatusChanged" },
        { "off", "endEngagement", "none:" },
        { "off", "deadline", "none:" },
        { "off", "activate", "none:" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Command_FromState_GivesTheTablesResult_AndLeavesTheGivenStateUntouched(string from, string command, string expected)
    {
        var (state, clock) = Arrange(from);
        var before = JsonSerializer.Serialize(state);
        Prepare(command, state, clock);

        string actual;
        try
        {
            var transition = WorkSessionMachine.Decide("agent-7", state, Command(command, state), clock, NoCheckpoint);
            var after = WorkSessionMachine.StateOf(transition.State);
            actual = $"{after.ToString().ToLowerInvariant()}:{string.Concat(transition.Events.Select(e => " " + e.GetType().Name))}";
            Assert.Equal(transition.Events.Count > 0, transition.MustWrite);
        }
        catch (WorkSessionException rejection)
        {
            actual = "!" + rejection.Code;
        }

        Assert.Equal(expected, actual);
        Assert.Equal(before, JsonSerializer.Serialize(state));
    }

    [Fact]
    public void Table_CoversEveryStateAndCommandPair()
    {
        var pairs = Table.Select(row => ((string)row[0], (string)row[1])).ToList();
        var states = pairs.Select(p => p.Item1).Distinct().ToList();
        var commands = pairs.Select(p => p.Item2).Distinct().ToList();

        Assert.Equal(states.Count * commands.Count, pairs.Distinct().Count());
        Assert.Equal(pairs.Count, pairs.Distinct().Count());
    }

    [Fact]
    public void Decide_WithADueCheckpoint_MustWriteActivityAlone()
    {
        var (state, clock) = Arrange("active");
        var storedActivity = state.Session!.LastActivityAt;
        clock.Advance(TimeSpan.FromMinutes(5));
        state.Session.LastActivityAt = clock.GetUtcNow();

        var due = WorkSessionMachine.Decide("agent-7", state, new WorkSessionCommand.CheckDeadlines(), clock, new(storedActivity, TimeSpan.FromMinutes(5)));
        var notYet = WorkSessionMachine.Decide("agent-7", state, new WorkSessionCommand.CheckDeadlines(), clock, new(storedActivity, TimeSpan.FromMinutes(6)));

        Assert.True(due.MustWrite);
        Assert.False(notYet.MustWrite);
        Assert.Empty(due.Events);
    }

    private static (AgentState State, AdjustableClock Clock) Arrange(string from)
    {
        var clock = new AdjustableClock(T0);
        var state = new AgentState
        {
            Preferences = new TenantPreferences(new WorkSessionPreferences(from != "off", true, 600, 180), 1, T0, "admin-1"),
        };
        var machine = new SessionDriver("agent-7", state, clock);
        if (from is "active" or "warned")
        {
            machine.Start(AgentStatus.Ready, null);
        }

        if (from == "warned")
        {
            clock.SetUtcNow(machine.InactivityDeadline!.Value);
            machine.CheckDeadlines();
        }

        clock.Advance(TimeSpan.FromSeconds(10));
        return (machine.Data, clock);
    }

    /// <summary>Moves the clock as the command needs: to the next deadline, or past it for an activation after a gap.</summary>
    private static void Prepare(string command, AgentState state, AdjustableClock clock)
    {
        if (command == "deadline" && WorkSessionMachine.NextDeadline(state) is { } deadline)
        {
            clock.SetUtcNow(deadline);
        }
        else if (command == "activate")
        {
            clock.Advance(TimeSpan.FromHours(1));
        }
    }

    private static WorkSessionCommand Command(string name, AgentState state) => name switch
    {
        "deadline" => new WorkSessionCommand.CheckDeadlines(),
        "activate" => new WorkSessionCommand.Activate(state.Preferences),
        _ => NamedCommands.Get(name),
    };
}
