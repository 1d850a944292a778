namespace WorkSessions.Storage.Tests;

/// <summary>
/// Writes that deadline checks made wait while the silo has work queued, for a bounded time, so that a deadline storm
/// decides every due deadline before the writes take the CPU.
/// </summary>
public sealed class DeadlineWritePacerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Forever = TimeSpan.FromMinutes(30);

    [Fact]
    public void QuietSilo_TheWriteGoesAtOnce()
    {
        using var pacer = new DeadlineWritePacer(Forever, () => DeadlineWritePacer.QuietBacklog);

        Assert.True(pacer.WaitAsync().IsCompletedSuccessfully);
        Assert.Equal(0, pacer.Holding);
    }

    [Fact]
    public async Task BusySilo_HoldsTheWrites_UntilItsQueuedWorkDrains()
    {
        var backlog = new Backlog(500);
        using var pacer = new DeadlineWritePacer(Forever, backlog.Read);

        var writes = Enumerable.Range(0, 40).Select(_ => pacer.WaitAsync()).ToArray();
        await backlog.PacerLooksAsync(2).WaitAsync(Patience);
        Assert.All(writes, write => Assert.False(write.IsCompleted));
        Assert.Equal(40, pacer.Holding);

        backlog.Set(0);
        await Task.WhenAll(writes).WaitAsync(Patience);
        Assert.Equal(0, pacer.Holding);
    }

    [Fact]
    public async Task WhileWritesAreHeld_ALaterOne_QueuesBehindThem_EvenIfTheSiloLooksQuietToIt()
    {
        // The pacer's thread sees a busy silo until told otherwise; callers see it busy once, then quiet.
        var busyForThePacer = new Backlog(500);
        var callerReads = 0;
        using var pacer = new DeadlineWritePacer(Forever, () =>
            Thread.CurrentThread.Name == Backlog.PacerThread
                ? busyForThePacer.Read()
                : Interlocked.Increment(ref callerReads) == 1 ? 500 : 0);

        var first = pacer.WaitAsync();
        var later = pacer.WaitAsync();
        await busyForThePacer.PacerLooksAsync(2).WaitAsync(Patience);
        Assert.False(first.IsCompleted);
        Assert.False(later.IsCompleted);

        busyForThePacer.Set(0);
        await Task.WhenAll(first, later).WaitAsync(Patience);
    }

    [Fact]
    public async Task BusySilo_LetsAWriteGoOnceItWaitedTheDelayLimit()
    {
        var limit = TimeSpan.FromMilliseconds(100);
        using var pacer = new DeadlineWritePacer(limit, () => 500);
        var waited = System.Diagnostics.Stopwatch.StartNew();

        await pacer.WaitAsync().WaitAsync(Patience);

        Assert.True(waited.Elapsed >= limit - TimeSpan.FromMilliseconds(5), $"let go after {waited.Elapsed.TotalMilliseconds:N0} ms");
    }

    [Fact]
    public void NoDelayLimit_HoldsNothing()
    {
        using var pacer = new DeadlineWritePacer(TimeSpan.Zero, () => 500);

        Assert.True(pacer.WaitAsync().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Dispose_LetsEveryHeldWriteGo_AndLaterOnesGoAtOnce()
    {
        var pacer = new DeadlineWritePacer(Forever, () => 500);
        var held = Enumerable.Range(0, 10).Select(_ => pacer.WaitAsync()).ToArray();

        pacer.Dispose();

        await Task.WhenAll(held).WaitAsync(Patience);
        Assert.True(pacer.WaitAsync().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Gate_HoldsOnlyTheWritesThatDeadlinesMade()
    {
        var backlog = new Backlog(500);
        using var pacer = new DeadlineWritePacer(Forever, backlog.Read);
        var gate = new StateWriteGate(0, pacer);
        var ran = new List<string>();
        Task Write(string name)
        {
            lock (ran)
            {
                ran.Add(name);
            }

            return Task.CompletedTask;
        }

        var deadline = gate.WriteAsync(() => Write("deadline"), deadline: true);
        await gate.WriteAsync(() => Write("command")).WaitAsync(Patience);
        Assert.False(deadline.IsCompleted);
        lock (ran)
        {
            Assert.Equal(["command"], ran);
        }

        backlog.Set(0);
        await deadline.WaitAsync(Patience);
        lock (ran)
        {
            Assert.Equal(["command", "deadline"], ran);
        }
    }

    /// <summary>
    /// The backlog a test sets, which also tells when the pacer's own thread has looked at it: every look is the pacer's
    /// decision to hold the writes or to let them go, so a look after the writes were queued is the positive signal
    /// that the pacer has decided with all of them held.
    /// </summary>
    private sealed class Backlog(long initial)
    {
        public const string PacerThread = "WorkSessions deadline write pacer";

        private readonly Lock _gate = new();
        private long _value = initial;
        private int _looksLeft;
        private TaskCompletionSource? _looked;

        public long Read()
        {
            if (Thread.CurrentThread.Name == PacerThread)
            {
                lock (_gate)
                {
                    if (_looked is not null && --_looksLeft == 0)
                    {
                        _looked.TrySetResult();
                        _looked = null;
                    }
                }
            }

            return Interlocked.Read(ref _value);
        }

        public void Set(long value) => Interlocked.Exchange(ref _value, value);

        /// <summary>Completes once the pacer's thread has read the backlog <paramref name="looks"/> more times.</summary>
        public Task PacerLooksAsync(int looks)
        {
            lock (_gate)
            {
                _looksLeft = looks;
                _looked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return _looked.Task;
            }
        }
    }
}
