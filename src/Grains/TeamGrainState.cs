using WorkSessions.Contracts;
using WorkSessions.Reporting;

namespace WorkSessions;

/// <summary>
/// A team's persisted state: its definition and its own members only, so a change rewrites one team's row, never the
/// tenant's 50,000 agents (docs/architecture.md#teams).
/// </summary>
internal sealed record TeamGrainState : IOutboxState<TeamGrainState>
{
    /// <summary>The team; null when it was never created or is deleted.</summary>
    public Team? Team { get; set; }

    /// <summary>The latest version, kept across a delete so that a team created again never repeats an ETag.</summary>
    public long Version { get; set; }

    /// <summary>
    /// The members in agent-id (ordinal) order. After a delete, the agents still to be told they left (emptied once they
    /// all were).
    /// </summary>
    public List<string> Members { get; set; } = [];

    /// <summary>The version every member was pushed; behind <see cref="Version"/> while a push is owed.</summary>
    public long PushedVersion { get; set; }

    /// <summary>Team changes stored with the change and not yet known to be in the report tables.</summary>
    public List<ReportEntry> Outbox { get; set; } = [];

    public TeamGrainState WithOutbox(List<ReportEntry> outbox) => this with { Outbox = outbox };
}
