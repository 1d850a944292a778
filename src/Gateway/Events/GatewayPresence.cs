using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using WorkSessions.Gateway.Hosting;

namespace WorkSessions.Gateway.Events;

/// <summary>
/// This Gateway's side of client presence (docs/architecture.md#client-presence): tells an agent's grain when one of its
/// event streams opens or closes here, and renews this Gateway's one lease every
/// <see cref="GatewayOptions.PresenceLeaseRenewal"/> — one grain call per Gateway and period, nothing per stream or
/// heartbeat — so that if this process dies its agents count its streams as gone once the lease lapses. When the lease
/// grain does not know this Gateway (its silo was lost, or the lease lapsed while the cluster was out of reach), each
/// open stream announces itself again.
/// </summary>
public sealed partial class GatewayPresence(IGrainFactory grains, IOptions<GatewayOptions> options, ILogger<GatewayPresence> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, string> _streams = new();

    /// <summary>This process's id: the key of its lease, new at every start.</summary>
    public string GatewayId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>A stream of <paramref name="agentKey"/> opened (or must announce itself again to a new activation).</summary>
    /// <param name="agentKey">The agent, <c>"{tenantId}/{agentId}"</c>.</param>
    /// <param name="streamId">The stream.</param>
    public Task ConnectedAsync(string agentKey, Guid streamId)
    {
        _streams[streamId] = agentKey;
        return grains.GetGrain<IAgentGrain>(agentKey).ClientConnected(GatewayId, streamId);
    }

    /// <summary>A stream closed; best effort, as the stream is gone either way.</summary>
    /// <param name="agentKey">The agent.</param>
    /// <param name="streamId">The stream.</param>
    public async Task DisconnectedAsync(string agentKey, Guid streamId)
    {
        _streams.TryRemove(streamId, out _);
        try
        {
            await grains.GetGrain<IAgentGrain>(agentKey).ClientDisconnected(GatewayId, streamId);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The agent keeps counting the stream until this Gateway stops renewing its lease.
            DisconnectFailed(logger, exception, agentKey);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PresenceLeaseRenewal);
        do
        {
            try
            {
                if (!await grains.GetGrain<IGatewayLeaseGrain>(GatewayId).Renew(options.Value.PresenceLease))
                {
                    await AnnounceAgainAsync();
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                RenewFailed(logger, exception, GatewayId);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task AnnounceAgainAsync()
    {
        foreach (var (streamId, agentKey) in _streams)
        {
            await grains.GetGrain<IAgentGrain>(agentKey).ClientConnected(GatewayId, streamId);
            if (!_streams.ContainsKey(streamId))
            {
                // It closed while being announced: its own close may have arrived first.
                await DisconnectedAsync(agentKey, streamId);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Renewing the presence lease of Gateway {GatewayId} failed; the next period tries again")]
    private static partial void RenewFailed(ILogger logger, Exception exception, string gatewayId);

    [LoggerMessage(LogLevel.Warning, "Telling agent {AgentKey} that a stream closed failed")]
    private static partial void DisconnectFailed(ILogger logger, Exception exception, string agentKey);
}
