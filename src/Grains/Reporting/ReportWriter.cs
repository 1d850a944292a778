using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkSessions.Storage;

namespace WorkSessions.Reporting;

/// <summary>
/// The silo's delivery of outbox entries to the report tables (docs/architecture.md#reporting). Grains hand over
/// entries once their transition is stored and go on at once; one loop per silo stores whatever has accumulated in
/// batches, retries a failed batch with backoff until it is stored, and then tells each grain's outbox which of its
/// entries arrived. Nothing here is the source of truth: the entries stay in the grains' state until acknowledged, so a queue
/// lost with the process, or refused when full, is handed over again by the grain's next activation or wake-up.
/// </summary>
internal sealed partial class ReportWriter : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly IReportStore _store;
    private readonly ReportingOptions _options;
    private readonly ILogger<ReportWriter> _logger;
    private readonly Channel<Delivery> _queue = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private int _disposed;
    private readonly Meter _meter;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failedBatches;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _dropped;
    private int _queued;
    private Task _loop = Task.CompletedTask;

    public ReportWriter(IReportStore store, IOptions<ReportingOptions> options, IMeterFactory meters, ILogger<ReportWriter> logger)
    {
        _store = store;
        _options = options.Value;
        _logger = logger;
        // The product's meter (exported by every host); the factory owns it.
        _meter = meters.Create(Diagnostics.WorkSessionsMetrics.MeterName);
        _delivered = _meter.CreateCounter<long>("worksessions.reporting.delivered", "{event}", "Events stored in the report tables.");
        _failedBatches = _meter.CreateCounter<long>("worksessions.reporting.delivery.failures", "{batch}", "Batches whose insert failed and is retried.");
        _refused = _meter.CreateCounter<long>("worksessions.reporting.queue.refused", "{event}", "Events a full delivery queue left in their grain's outbox for its next wake-up.");
        _dropped = _meter.CreateCounter<long>("worksessions.reporting.outbox.dropped", "{event}", "Undelivered events dropped because a grain's outbox reached its capacity.");
        _meter.CreateObservableGauge("worksessions.reporting.queue.length", () => Volatile.Read(ref _queued), "{event}", "The outbox backlog: events handed over and waiting in the silo's delivery queue.");
    }

    /// <summary>Raised after each stored batch, with the tenants it touched.</summary>
    public event Action<IReadOnlyCollection<string>>? BatchStored;

    /// <summary>Takes a grain's stored entries for delivery; false when the queue is full (the grain keeps them).</summary>
    public bool TryEnqueue(ReportOutbox owner, IReadOnlyList<ReportEntry> entries)
    {
        if (entries.Count == 0)
        {
            return true;
        }

        if (Interlocked.Add(ref _queued, entries.Count) > _options.DeliveryQueueCapacity || !_queue.Writer.TryWrite(new Delivery(owner, entries)))
        {
            Interlocked.Add(ref _queued, -entries.Count);
            _refused.Add(entries.Count);
            return false;
        }

        return true;
    }

    /// <summary>Counts undelivered entries a grain dropped at its outbox's capacity.</summary>
    public void Dropped(string grainKey, int count)
    {
        _dropped.Add(count);
        LogDropped(_logger, grainKey, count, _options.OutboxCapacity);
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ReportWriter), ServiceLifecycleStage.ApplicationServices, StartAsync, StopAsync);

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

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => SuperviseAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Delivery must outlive any bug in it: a loop that fails is logged and started again.</summary>
    private async Task SuperviseAsync(CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                await DeliverAsync(stopping);
                return;
            }
            catch (Exception exception) when (!stopping.IsCancellationRequested)
            {
                LogLoopFailed(_logger, exception);
                await Task.Delay(_options.FirstRetryDelay, stopping);
            }
        }
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        // Grains have deactivated by now: deliver what they handed over while the shutdown allows, then stop. What
        // is left stays in their stored outboxes for the next start.
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await _stopping.CancelAsync();
        }

        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task DeliverAsync(CancellationToken stopping)
    {
        var batch = new List<Delivery>();
        var entries = new List<ReportEntry>();
        while (await _queue.Reader.WaitToReadAsync(stopping))
        {
            batch.Clear();
            entries.Clear();
            while (entries.Count < _options.MaxBatchSize && _queue.Reader.TryRead(out var delivery))
            {
                batch.Add(delivery);
                entries.AddRange(delivery.Entries);
            }

            await StoreWithRetriesAsync(entries, stopping);
            Interlocked.Add(ref _queued, -entries.Count);
            _delivered.Add(entries.Count);
            foreach (var owner in batch.GroupBy(delivery => delivery.Owner))
            {
                owner.Key.Delivered([.. owner.SelectMany(delivery => delivery.Entries).Select(entry => entry.EventId)]);
            }

            try
            {
                if (BatchStored is { } listeners)
                {
                    listeners(entries.Select(entry => entry.TenantId).ToHashSet(StringComparer.Ordinal));
                }
            }
            catch (Exception exception)
            {
                // A listener's failure is not delivery's: the batch is stored and acknowledged.
                LogListenerFailed(_logger, exception);
            }
        }
    }

    private async Task StoreWithRetriesAsync(List<ReportEntry> entries, CancellationToken stopping)
    {
        var delay = _options.FirstRetryDelay;
        for (var failures = 0; ; failures++)
        {
            using var span = Diagnostics.WorkSessionsTracing.Source.StartActivity(Diagnostics.WorkSessionsTracing.ReportWrite, ActivityKind.Client);
            span?.SetTag("worksessions.report_entries", entries.Count);
            try
            {
                await _store.InsertAsync(entries, stopping);
                if (failures > 0)
                {
                    LogRecovered(_logger, failures);
                }

                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                span?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
                span?.Dispose();
                _failedBatches.Add(1);
                if (failures == 0)
                {
                    LogFailing(_logger, exception, entries.Count, delay);
                }

                // Jittered, so silos that lost the same database do not come back in lockstep.
                await Task.Delay(delay * (0.75 + Random.Shared.NextDouble() / 2), stopping);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    private sealed record Delivery(ReportOutbox Owner, IReadOnlyList<ReportEntry> Entries);

    [LoggerMessage(LogLevel.Warning, "Report delivery failed for a batch of {Count} events; retrying from {RetryIn}, entries stay in their grains' outboxes")]
    private static partial void LogFailing(ILogger logger, Exception exception, int count, TimeSpan retryIn);

    [LoggerMessage(LogLevel.Error, "The report delivery loop failed; it starts again")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Warning, "A listener of stored report batches failed")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Information, "Report delivery works again after {Failures} failed attempts")]
    private static partial void LogRecovered(ILogger logger, int failures);

    [LoggerMessage(LogLevel.Warning, "{GrainKey} dropped {Count} undelivered report events: its outbox is full ({Capacity})")]
    private static partial void LogDropped(ILogger logger, string grainKey, int count, int capacity);
}
