using Microsoft.Extensions.Logging;
using WorkSessions.Storage;

namespace WorkSessions;

/// <summary>
/// Keeps the tenant grain's in-memory roster in line with what the report tables know (docs/architecture.md#the-roster):
/// the open sessions read when the tenant activates, read again a period later (sessions whose start was still in an
/// agent's outbox), and the agents held without their status asked to tell it again. Apart from the grain because it is
/// the tenant's one reader of the report tables; the grain arms its timer. Not thread-safe: the grain's turns serialize it.
/// </summary>
internal sealed class RosterUpkeep(Roster roster, IReportStore reportStore, IGrainFactory grains, string tenantId, ILogger logger)
{
    /// <summary>Whether the activation's read of the report tables succeeded.</summary>
    public bool Loaded { get; private set; }

    /// <summary>
    /// The open sessions the report tables know, then <paramref name="legacy"/>, what an earlier version stored in the
    /// tenant's row. Sessions too recent for the tables (their start still in an agent's outbox) join with the agent's
    /// next announcement. A failed read is logged, not thrown: every open session re-announces itself within a wake-up
    /// period.
    /// </summary>
    public async Task LoadAsync(IReadOnlyDictionary<string, Guid> legacy, CancellationToken cancellationToken)
    {
        Loaded = await ReadAsync(roster.Set, cancellationToken);
        foreach (var (agentId, sessionId) in legacy)
        {
            roster.TryAdd(agentId, sessionId);
        }
    }

    /// <summary>
    /// A period after activation: the open sessions the report tables know by now join the roster, and the sessions it
    /// holds without their status ask their agents to tell it again (one-way, once per activation).
    /// </summary>
    public async Task RepairAsync(CancellationToken cancellationToken)
    {
        await ReadAsync(roster.TryAdd, cancellationToken);
        foreach (var (agentId, _) in roster.Entries().Where(entry => roster.FactsOf(entry.Key) is null))
        {
            grains.GetAgentPreferencesTarget(tenantId, agentId).Reannounce().Ignore();
        }
    }

    private async Task<bool> ReadAsync(Action<string, Guid> put, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var (agentId, sessionId) in await reportStore.ReadOpenSessionsAsync(tenantId, cancellationToken))
            {
                put(agentId, sessionId);
            }

            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            TenantLog.RosterLoadFailed(logger, exception, tenantId);
            return false;
        }
    }
}
