using System.Data.Common;

namespace WorkSessions.Storage;

/// <summary>What <see cref="StorageWriteHealth"/> knows now.</summary>
/// <param name="Failing">Whether a write failed within the window and none succeeded since.</param>
/// <param name="Reason">The last failure's message since the last write that succeeded (e.g. SQLite's "database or disk is full"), or null.</param>
/// <param name="Failures">Failed writes since the last one that succeeded.</param>
/// <param name="FirstFailureAt">When the first of them failed.</param>
/// <param name="LastFailureAt">When the last of them failed.</param>
public sealed record StorageWriteStatus(bool Failing, string? Reason, long Failures, DateTimeOffset? FirstFailureAt, DateTimeOffset? LastFailureAt);

/// <summary>
/// Whether this process can store what it is asked to (docs/architecture.md#operations): every agent state write reports
/// its outcome here, and the Gateway's readiness reads it. A failed write makes the process not ready, naming the
/// failure, until a write succeeds again or, when none is tried (a load balancer that took the node out sends nothing),
/// until <see cref="Window"/> has passed without another failure: then it is ready again, and the next writes decide.
/// </summary>
public sealed class StorageWriteHealth(TimeProvider timeProvider)
{
    /// <summary>How long a failed write keeps the process not ready when no write is tried after it.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    private const int MaxReasonLength = 300;

    private readonly Lock _lock = new();
    private volatile bool _anyFailure;
    private string? _reason;
    private long _failures;
    private DateTimeOffset? _firstFailureAt;
    private DateTimeOffset? _lastFailureAt;

    /// <summary>The status now.</summary>
    public StorageWriteStatus Current
    {
        get
        {
            if (!_anyFailure)
            {
                return Writing;
            }

            lock (_lock)
            {
                var failing = _lastFailureAt is { } last && timeProvider.GetUtcNow() - last < Window;
                return new StorageWriteStatus(failing, _reason, _failures, _firstFailureAt, _lastFailureAt);
            }
        }
    }

    /// <summary>A write was stored. Every state write calls this: it costs a read of one field while writes succeed.</summary>
    public void Succeeded()
    {
        if (!_anyFailure)
        {
            return;
        }

        lock (_lock)
        {
            _anyFailure = false;
            _reason = null;
            _failures = 0;
            _firstFailureAt = null;
            _lastFailureAt = null;
        }
    }

    /// <summary>A write failed for a reason of the storage's (not a concurrency conflict).</summary>
    /// <param name="exception">What the write threw; the database's own message is kept as the reason.</param>
    public void Failed(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var reason = Describe(exception);
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            _reason = reason;
            _failures++;
            _firstFailureAt ??= now;
            _lastFailureAt = now;
            _anyFailure = true;
        }
    }

    /// <summary>The database's message when the driver's exception is in the chain, else the outermost one's.</summary>
    internal static string Describe(Exception exception)
    {
        var message = exception.Message;
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException)
            {
                message = current.Message;
                break;
            }
        }

        message = message.ReplaceLineEndings(" ").Trim();
        return message.Length <= MaxReasonLength ? message : string.Concat(message.AsSpan(0, MaxReasonLength - 1), "…");
    }

    private static readonly StorageWriteStatus Writing = new(false, null, 0, null, null);
}
