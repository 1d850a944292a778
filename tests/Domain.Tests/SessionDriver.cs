using WorkSessions.Contracts;

namespace WorkSessions.Domain.Tests;

/// <summary>
/// Drives <see cref="WorkSessionMachine.Decide"/> the way the agent grain does: each command runs on the current state
/// and its result becomes the current state; heartbeats go through <see cref="WorkSessionMachine.RecordActivity"/>.
/// </summary>
internal sealed class SessionDriver(string agentId, AgentState initial, TimeProvider clock)
{
    /// <summary>The state after the last command.</summary>
    public AgentState Data { get; private set; } = initial;

    /// <summary>True once a transition said it must be written, until <see cref="MarkSaved"/>: what the grain would store.</summary>
    public bool HasUnsavedChanges { get; private set; }

    public SessionState State => WorkSessionMachine.StateOf(Data);

    /// <summary>The effective preferences: the team's overrides over the tenant's.</summary>
    public WorkSessionPreferences Preferences => WorkSessionMachine.EffectivePreferences(Data);

    public DateTimeOffset? InactivityDeadline => WorkSessionMachine.InactivityDeadline(Data);

    public DateTimeOffset? GraceDeadline => Data.Session?.GraceDeadline;

    public DateTimeOffset? NextDeadline => WorkSessionMachine.NextDeadline(Data);

    public bool NeedsWakeUps => WorkSessionMachine.NeedsWakeUps(Data);

    /// <summary>As the grain does after its write.</summary>
    public void MarkSaved() => HasUnsavedChanges = false;

    public AgentView ToView() => WorkSessionMachine.View(agentId, Data);

    /// <summary>Runs the command through <see cref="WorkSessionMachine.Decide"/>; a rejection leaves the state as it was.</summary>
    public IReadOnlyList<AgentEvent> Run(WorkSessionCommand command)
    {
        var transition = WorkSessionMachine.Decide(agentId, Data, command, clock, ActivityCheckpoint.Never);
        Data = transition.State;
        HasUnsavedChanges |= transition.MustWrite;
        return transition.Events;
    }

    public void RecordActivity() => Data = WorkSessionMachine.RecordActivity(Data, clock);

    public IReadOnlyList<AgentEvent> Start(AgentStatus status, string? reason) => Run(new WorkSessionCommand.Start(status, reason));

    public IReadOnlyList<AgentEvent> Continue() => Run(new WorkSessionCommand.Continue());

    public IReadOnlyList<AgentEvent> SetStatus(AgentStatus status, string? reason) => Run(new WorkSessionCommand.SetStatus(status, reason));

    public IReadOnlyList<AgentEvent> End(Actor actor, string? note) => Run(new WorkSessionCommand.End(actor, note));

    public IReadOnlyList<AgentEvent> BeginEngagement(string engagementId) => Run(new WorkSessionCommand.BeginEngagement(engagementId));

    public IReadOnlyList<AgentEvent> EndEngagement(string engagementId) => Run(new WorkSessionCommand.EndEngagement(engagementId));

    public IReadOnlyList<AgentEvent> CheckDeadlines() => Run(new WorkSessionCommand.CheckDeadlines());

    public IReadOnlyList<AgentEvent> ApplyPreferences(TenantPreferences preferences) => Run(new WorkSessionCommand.ApplyPreferences(preferences));

    public IReadOnlyList<AgentEvent> ApplyTeam(TeamMembership? team) => Run(new WorkSessionCommand.ApplyTeam(team));

    public IReadOnlyList<AgentEvent> Activate(TenantPreferences preferences) => Run(new WorkSessionCommand.Activate(preferences));
}
