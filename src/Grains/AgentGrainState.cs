using System.Text.Json.Serialization;
using WorkSessions.Domain;
using WorkSessions.Reporting;

namespace WorkSessions;

/// <summary>The agent grain's persisted state.</summary>
internal sealed record AgentGrainState : IOutboxState<AgentGrainState>
{
    /// <summary>The state machine's data. Stored as "Session" by earlier versions, so existing rows still load.</summary>
    [JsonPropertyName("Session")]
    public AgentState Agent { get; set; } = new();

    /// <summary>Report events stored with the transitions that produced them and not yet known to be delivered.</summary>
    public List<ReportEntry> Outbox { get; set; } = [];

    public AgentGrainState WithOutbox(List<ReportEntry> outbox) => this with { Outbox = outbox };
}
