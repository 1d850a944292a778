using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkSessions.Storage;

namespace WorkSessions.Reporting;

/// <summary>
/// Purges report rows older than <see cref="ReportingOptions.RetentionDays"/>: at start and then every
/// <see cref="ReportingOptions.PurgeInterval"/> (a day). Every silo runs it; the deletes are idempotent.
/// </summary>
internal sealed partial class ReportRetention(
    IReportStore store,
    IOptions<ReportingOptions> options,
    TimeProvider timeProvider,
    ILogger<ReportRetention> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;
    private Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ReportRetention), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    /// <summary>One purge: deletes what is older than the retention period; returns the rows deleted.</summary>
    public async Task<int> PurgeOnceAsync(CancellationToken cancellationToken)
    {
        var cutoff = timeProvider.GetUtcNow() - TimeSpan.FromDays(options.Value.RetentionDays);
        var deleted = await store.PurgeAsync(cutoff, cancellationToken);
        LogPurged(logger, deleted, cutoff);
        return deleted;
    }

    /// <summary>Registered both as itself and as a lifecycle participant, so the container may dispose it twice.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _stopping.Dispose();
    }

    internal Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await PurgeOnceAsync(stopping);
            }
            catch (Exception exception) when (!stopping.IsCancellationRequested)
            {
                // Tomorrow's purge catches up; nothing is lost by a late purge.
                LogPurgeFailed(logger, exception);
            }

            try
            {
                await Task.Delay(options.Value.PurgeInterval, timeProvider, stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Report retention purged {Deleted} rows older than {Cutoff}")]
    private static partial void LogPurged(ILogger logger, int deleted, DateTimeOffset cutoff);

    [LoggerMessage(LogLevel.Warning, "Report retention purge failed; it runs again at the next interval")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
