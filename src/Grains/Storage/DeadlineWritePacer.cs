using System.Collections.Concurrent;
using System.Diagnostics;

namespace WorkSessions.Storage;

/// <summary>
/// Holds the writes of transitions that deadline checks made (prompts, auto-ends) while the silo's thread pool has work
/// queued, each for at most <see cref="DelayLimit"/>, and lets them go in the order they came
/// (docs/architecture.md#deadline-writes-go-last). In a deadline storm every due timer's turn then decides, stamps its
/// time and pushes its prompt before the writes — their JSON, SQLite's work, the report entries they carry and the
/// garbage they leave — take the cores those turns need. A write held here has not happened: the grain's turn waits for
/// it, and an auto-end is announced only once stored, as before. A crash before a prompt's write re-prompts anyway (the
/// recovery rule).
/// </summary>
internal sealed class DeadlineWritePacer : IDisposable
{
    // Work items the pool may have queued while held writes go on: a busy silo always has a few.
    internal const int QuietBacklog = 2;

    // Writes let go at a time between looks at the backlog; each becomes work for the pool in its turn.
    private const int ReleaseBatch = 16;

    private readonly ConcurrentQueue<Held> _held = new();
    private readonly ManualResetEventSlim _arrived = new(false);
    private readonly Func<long> _backlog;
    private readonly Thread? _thread;
    private volatile bool _disposed;

    /// <param name="delayLimit">The longest a write is held; <see cref="TimeSpan.Zero"/> holds none.</param>
    public DeadlineWritePacer(TimeSpan delayLimit)
        : this(delayLimit, static () => ThreadPool.PendingWorkItemCount)
    {
    }

    /// <param name="delayLimit">The longest a write is held; <see cref="TimeSpan.Zero"/> holds none.</param>
    /// <param name="backlog">Work items queued for the thread pool.</param>
    internal DeadlineWritePacer(TimeSpan delayLimit, Func<long> backlog)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delayLimit, TimeSpan.Zero);
        DelayLimit = delayLimit;
        _backlog = backlog;
        if (delayLimit > TimeSpan.Zero)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = "WorkSessions deadline write pacer" };
            _thread.Start();
        }
    }

    /// <summary>The longest a write is held, however busy the silo stays.</summary>
    public TimeSpan DelayLimit { get; }

    /// <summary>Writes held now.</summary>
    public int Holding => _held.Count;

    /// <summary>Completes when the write may go: at once on a quiet silo with nothing held before it.</summary>
    public Task WaitAsync()
    {
        if (_thread is null || _disposed || (_held.IsEmpty && _backlog() <= QuietBacklog))
        {
            return Task.CompletedTask;
        }

        // The process's own clock, not the silo's TimeProvider: this paces CPU work, and a fake clock that tests stop must
        // not hold a write forever.
        var held = new Held(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), Stopwatch.GetTimestamp());
        _held.Enqueue(held);
        if (!_arrived.IsSet)
        {
            _arrived.Set();
        }

        if (_disposed)
        {
            // Disposed between the check above and the queue: nobody would let it go.
            ReleaseAll();
        }

        return held.Released.Task;
    }

    /// <summary>Lets every held write go and stops.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _arrived.Set();
        if (_thread is not null && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        ReleaseAll();
    }

    private void Run()
    {
        while (!_disposed)
        {
            _arrived.Wait();
            _arrived.Reset();
            while (!_disposed && _held.TryPeek(out var oldest))
            {
                if (_backlog() > QuietBacklog && Stopwatch.GetElapsedTime(oldest.Since) < DelayLimit)
                {
                    // Polled rather than signalled: nothing tells when the pool's queue drains, and this runs only while
                    // writes are held.
                    Thread.Sleep(1);
                    continue;
                }

                for (var released = 0; released < ReleaseBatch && _held.TryDequeue(out var next); released++)
                {
                    next.Released.TrySetResult();
                }

                Thread.Yield();
            }
        }

        ReleaseAll();
    }

    private void ReleaseAll()
    {
        while (_held.TryDequeue(out var held))
        {
            held.Released.TrySetResult();
        }
    }

    private sealed record Held(TaskCompletionSource Released, long Since);
}
