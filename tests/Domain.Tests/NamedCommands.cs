using WorkSessions.Contracts;

namespace WorkSessions.Domain.Tests;

/// <summary>Commands by name, so <c>[Theory]</c> rows of the transition table stay readable.</summary>
internal static class NamedCommands
{
    public const string SupervisorId = "sup-3";

    /// <summary>The command by name.</summary>
    public static WorkSessionCommand Get(string name) => name switch
    {
        "start" => new WorkSessionCommand.Start(AgentStatus.Ready, null),
        "activity" => new WorkSessionCommand.Activity(),
        "continue" => new WorkSessionCommand.Continue(),
        "setStatus ready" => new WorkSessionCommand.SetStatus(AgentStatus.Ready, null),
        "setStatus notReady" => new WorkSessionCommand.SetStatus(AgentStatus.NotReady, "lunch"),
        "end agent" => new WorkSessionCommand.End(Actor.Agent(AgentUnderTest.AgentId), null),
        "end supervisor" => new WorkSessionCommand.End(Actor.Supervisor(SupervisorId), "shift over"),
        "end admin" => new WorkSessionCommand.End(Actor.Admin(AgentUnderTest.AdminId), "shift over"),
        "beginEngagement" => new WorkSessionCommand.BeginEngagement("call-1"),
        "endEngagement" => new WorkSessionCommand.EndEngagement("call-1"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown command."),
    };
}
