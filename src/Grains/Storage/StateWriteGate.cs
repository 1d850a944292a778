using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using WorkSessions.Hosting;

namespace WorkSessions.Storage;

/// <summary>
/// Bounds how many agent state writes one silo has in flight at once (docs/architecture.md#storage). In a deadline
/// storm tens of thousands of grains write within a second; on PostgreSQL each write holds a pooled connection, and
/// callers beyond the pool's size wait for one with Npgsql's connect timeout (15 s by default). 50,000 writes at once
/// waited longer than that: 30,001 and 42,595 of them failed in two runs, none with this bound (2026-12-07). Here the
/// writes queue in the process instead, in order and without a timeout, and at most half of the pool is taken by them,
/// so activations' reads and the report writer always find a connection; membership and reminders have a pool of
/// their own (<c>WorkSessionsDatabase.ClusterDataSource</c> in storage). On SQLite
/// the writer thread already queues and batches every write: there is no bound unless one is configured. Writes that
/// deadline checks made first wait for the <see cref="DeadlineWritePacer"/>, on either database. Every write's outcome
/// goes to the <see cref="StorageWriteHealth"/> the Gateway's readiness reads.
/// </summary>
internal sealed class StateWriteGate
{
    private readonly SemaphoreSlim? _slots;
    private readonly DeadlineWritePacer? _pacer;
    private readonly StorageWriteHealth? _health;

    // Unset on PostgreSQL, the cluster set-up (src/Hosting) fills in half of the pool from the connection string
    // (StorageOptions.DefaultConcurrentStateWrites); unset here means no bound.
    public StateWriteGate(IOptions<WorkSessionsOptions> options, IServiceProvider services, DeadlineWritePacer pacer)
        : this(
            options.Value.MaxConcurrentStateWrites ?? 0,
            pacer,
            services.GetService<StorageWriteHealth>())
    {
    }

    /// <param name="limit">Writes in flight at once; 0 for no bound.</param>
    /// <param name="pacer">What a deadline's write waits for first; none holds no write.</param>
    /// <param name="health">Where each write's outcome is told; none for no one.</param>
    public StateWriteGate(int limit, DeadlineWritePacer? pacer = null, StorageWriteHealth? health = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        Limit = limit;
        _slots = limit > 0 ? new SemaphoreSlim(limit, limit) : null;
        _pacer = pacer;
        _health = health;
    }

    /// <summary>Writes in flight at once; 0 for no bound.</summary>
    public int Limit { get; }

    /// <summary>
    /// Runs <paramref name="write"/> once a slot is free; a write a deadline check made (<paramref name="deadline"/>)
    /// first waits until the silo's queued work has drained or the pacer's delay limit has passed.
    /// </summary>
    public async Task WriteAsync(Func<Task> write, bool deadline = false)
    {
        if (deadline && _pacer is not null)
        {
            await _pacer.WaitAsync();
        }

        if (_slots is null)
        {
            await WriteAndTellAsync(write);
            return;
        }

        await _slots.WaitAsync();
        try
        {
            await WriteAndTellAsync(write);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task WriteAndTellAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception exception) when (exception is not InconsistentStateException)
        {
            // A conflict with another activation's write says nothing about the storage; anything else does.
            _health?.Failed(exception);
            throw;
        }

        _health?.Succeeded();
    }
}
