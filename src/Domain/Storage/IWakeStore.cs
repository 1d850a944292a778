namespace WorkSessions.Storage;

/// <summary>
/// One agent that needs wake-ups (docs/architecture.md#timers-and-reminders): its grain key, the uniform hash of its
/// grain id (which wake shard holds it) and the session it joined with.
/// </summary>
/// <param name="AgentKey">The agent grain's key.</param>
/// <param name="AgentHash">The agent grain id's uniform hash.</param>
/// <param name="SessionId">The session the agent joined with; a leave names it, so a late leave never removes a newer session.</param>
internal sealed record WakeMember(string AgentKey, uint AgentHash, Guid SessionId);

/// <summary>
/// The members of the wake shards: which agents hold an open session (or undelivered report events) and so must be
/// checked again after a lost silo. Written once when a session opens and once when it is over, never on heartbeats
/// or transitions. Implemented in src/Storage on SQLite and PostgreSQL; the grains see only this.
/// </summary>
internal interface IWakeStore
{
    /// <summary>
    /// Stores <paramref name="joins"/> (an upsert per agent: the newer session replaces the older) and removes
    /// <paramref name="leaves"/> (only where the stored session is the one named), in one transaction.
    /// </summary>
    Task ApplyAsync(IReadOnlyCollection<WakeMember> joins, IReadOnlyCollection<WakeMember> leaves, CancellationToken cancellationToken);

    /// <summary>The members whose hash lies in <c>[first, last]</c>.</summary>
    Task<List<WakeMember>> ReadRangeAsync(uint first, uint last, CancellationToken cancellationToken);
}
