using System.Diagnostics;
using Microsoft.Extensions.Logging;
using WorkSessions.Reporting;

namespace WorkSessions;

/// <summary>A grain's persisted state that carries the report entries stored with it (docs/architecture.md#the-outbox).</summary>
/// <typeparam name="TSelf">The state type itself.</typeparam>
internal interface IOutboxState<TSelf>
    where TSelf : IOutboxState<TSelf>
{
    /// <summary>Report entries stored with the state and not yet known to be delivered.</summary>
    List<ReportEntry> Outbox { get; }

    /// <summary>A copy of the state holding <paramref name="outbox"/> instead.</summary>
    TSelf WithOutbox(List<ReportEntry> outbox);
}

/// <summary>
/// The one way a grain stores its state: the new state and its report entries in one write, together with the stored
/// entries not yet delivered, and only then hands them to the silo's <see cref="ReportWriter"/>
/// (docs/architecture.md#the-outbox). A failed write leaves the state as it was — the grain's command fails as a whole
/// — and counts towards a bounded, jittered backoff that the grain's retries wait for, so a read-only or full database
/// is not hammered. Not thread-safe: the grain's turns serialize it.
/// </summary>
internal sealed partial class OutboxedState<TState>(
    IPersistentState<TState> storage,
    ReportWriter reportWriter,
    int outboxCapacity,
    TimeProvider timeProvider,
    ILogger logger)
    where TState : class, IOutboxState<TState>
{
    private readonly ReportOutbox _outbox = new(outboxCapacity);
    private WriteBackoff _backoff;

    /// <summary>The grain whose state this is, for the logs and the dropped-entries count; set on activation.</summary>
    public GrainId Owner { get; set; }

    /// <summary>The state as last stored or read; the agent grain also keeps changes that need no write in it.</summary>
    public TState State => storage.State;

    /// <summary>Whether a row was read or written.</summary>
    public bool RecordExists => storage.RecordExists;

    /// <summary>While writes fail, the earliest time to try again; null while they succeed.</summary>
    public DateTimeOffset? RetryNotBefore => _backoff.RetryNotBefore;

    /// <summary>Whether a stored entry is not yet known to be in the report tables.</summary>
    public bool HasUndelivered => _outbox.HasUndelivered(storage.State.Outbox);

    /// <summary>Whether the stored outbox holds entries, delivered or not (delivered ones go with the next write).</summary>
    public bool HoldsEntries => storage.State.Outbox.Count > 0;

    /// <summary>
    /// Stores <paramref name="next"/> with <paramref name="entries"/> added to the outbox (cut to its capacity, trimmed of
    /// delivered entries), then hands the outbox over. On failure the state stays as it was and the exception is thrown.
    /// </summary>
    /// <param name="next">The state to store; its outbox is replaced.</param>
    /// <param name="entries">The report entries of the change being stored.</param>
    /// <param name="writePath">What the write goes through (a gate, a pacer); none writes at once.</param>
    public async Task WriteAsync(TState next, IReadOnlyList<ReportEntry> entries, Func<Func<Task>, Task>? writePath = null)
    {
        var before = storage.State;
        var outbox = _outbox.Next(before.Outbox, entries, out var dropped);
        storage.State = next.WithOutbox(outbox);
        // Around the whole path, a gate's or pacer's wait included: what the grain's call waited for its write.
        using var span = Diagnostics.WorkSessionsTracing.Source.StartActivity(Diagnostics.WorkSessionsTracing.StateWrite, ActivityKind.Client);
        span?.SetTag("worksessions.state", typeof(TState).Name);
        span?.SetTag("worksessions.report_entries", entries.Count);
        try
        {
            await (writePath is null ? storage.WriteStateAsync() : writePath(storage.WriteStateAsync));
        }
        catch (Exception exception)
        {
            span?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            storage.State = before;
            var retryIn = _backoff.Failed(timeProvider.GetUtcNow());
            if (_backoff.Failures == 1)
            {
                LogWriteFailing(logger, exception, Owner, retryIn);
            }
            else
            {
                LogWriteStillFailing(logger, Owner, _backoff.Failures, exception.GetType().Name, retryIn);
            }

            throw;
        }

        _outbox.Stored(outbox);
        if (dropped > 0)
        {
            reportWriter.Dropped(Owner.Key.ToString()!, dropped);
        }

        if (_backoff.Failures > 0)
        {
            LogWriteRecovered(logger, Owner, _backoff.Failures);
            _backoff.Succeeded();
        }

        HandOver();
    }

    /// <summary>Reads the row again (someone else wrote it): its state and etag replace this activation's.</summary>
    public Task ReadAsync() => storage.ReadStateAsync();

    /// <summary>Hands the stored entries the writer has not taken to it; a full queue leaves them for the next try.</summary>
    public void HandOver()
    {
        var now = timeProvider.GetUtcNow();
        var pending = _outbox.NotHandedOver(storage.State.Outbox, now);
        if (pending.Count > 0 && reportWriter.TryEnqueue(_outbox, pending))
        {
            _outbox.HandedOver(pending, now);
        }
    }

    [LoggerMessage(LogLevel.Warning, "{Grain} could not write its state; retries wait {RetryIn}")]
    private static partial void LogWriteFailing(ILogger logger, Exception exception, GrainId grain, TimeSpan retryIn);

    [LoggerMessage(LogLevel.Debug, "{Grain} write failed again ({Failures} in a row, {Error}); retries wait {RetryIn}")]
    private static partial void LogWriteStillFailing(ILogger logger, GrainId grain, int failures, string error, TimeSpan retryIn);

    [LoggerMessage(LogLevel.Information, "{Grain} writes its state again after {Failures} failed writes")]
    private static partial void LogWriteRecovered(ILogger logger, GrainId grain, int failures);
}
