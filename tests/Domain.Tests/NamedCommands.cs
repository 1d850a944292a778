using WorkSessions.Contracts;

namespace WorkSessions.Domain.Tests;

/// <summary>Commands by name, so <c>[Theory]</c> rows of the transition table stay readable.</summary>
internal static class NamedCommands
{
    public const string SupervisorId = "sup-3";

    public static Action<WorkSessionMachine> Get(string name) => name == "activity"
        ? s => s.RecordActivity()
        : s => WithEvents(name)(s);

    /// <summary>The command by name, returning its events; activity has none.</summary>
    public static Func<WorkSessionMachine, IReadOnlyList<AgentEvent>> WithEvents(string name) => name switch
    {
        "start" => s => s.Start(AgentStatus.Ready, null),
        "activity" => s =>
        {
            s.RecordActivity();
            return [];
        },
        "continue" => s => s.Continue(),
        "setStatus ready" => s => s.SetStatus(AgentStatus.Ready, null),
        "setStatus notReady" => s => s.SetStatus(AgentStatus.NotReady, "lunch"),
        "end agent" => s => s.End(Actor.Agent(AgentUnderTest.AgentId), null),
        "end supervisor" => s => s.End(Actor.Supervisor(SupervisorId), "shift over"),
        "end admin" => s => s.End(Actor.Admin(AgentUnderTest.AdminId), "shift over"),
        "beginEngagement" => s => s.BeginEngagement("call-1"),
        "endEngagement" => s => s.EndEngagement("call-1"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown command."),
    };
}
