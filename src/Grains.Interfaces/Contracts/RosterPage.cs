namespace WorkSessions.Contracts;

/// <summary>A page of a tenant's roster: agents the tenant believes have an open session, in agent-id order.</summary>
/// <param name="AgentIds">
/// The page's agent ids, in ordinal order. The roster is a hint: confirm each with <see cref="IAgentGrain.GetSnapshot"/>,
/// the agent grain is the authority on its own session.
/// </param>
/// <param name="NextAfter">The cursor of the next page (the last id of this one), or null when no agent follows.</param>
/// <param name="Count">
/// How many open sessions the roster holds, read with the page: the whole roster's, or the team set's when the query
/// names teams.
/// </param>
[GenerateSerializer, Immutable, Alias("WorkSessions.RosterPage")]
public sealed record RosterPage(
    [property: Id(0)] IReadOnlyList<string> AgentIds,
    [property: Id(1)] string? NextAfter,
    [property: Id(2)] int Count)
{
    /// <summary>The largest page the tenant grain answers.</summary>
    public const int MaxLimit = 1000;

    /// <summary>The most roster entries a filtered page reads past its cursor (status, state, search).</summary>
    public const int ScanBudget = 10_000;
}
