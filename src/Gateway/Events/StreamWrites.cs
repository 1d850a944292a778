namespace WorkSessions.Gateway.Events;

/// <summary>
/// The token a server-sent event stream writes with. Kestrel aborts the connection when a write or flush is cancelled
/// mid-flight, so the token that ends a stream (the host stopping, the caller's token expiring, a newer stream taking the
/// slot) must not cancel its writes: a write waiting on a slow reader at that moment would cut the stream off before its
/// <c>stream-closed</c>. Writes stop when the reader leaves, or <see cref="FarewellTimeout"/> after the stream was told to
/// end, so a reader that has stopped reading cannot hold the host's shutdown.
/// </summary>
internal sealed class StreamWrites : IDisposable
{
    /// <summary>How long after the stream was told to end its last write and its farewell may take.</summary>
    public static readonly TimeSpan FarewellTimeout = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _writes;
    private readonly CancellationTokenRegistration _deadline;

    /// <param name="requestAborted">The reader left.</param>
    /// <param name="ending">The stream is told to end: it waits on this, never writes with it.</param>
    public StreamWrites(CancellationToken requestAborted, CancellationToken ending)
    {
        _writes = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        _deadline = ending.Register(static writes => ((CancellationTokenSource)writes!).CancelAfter(FarewellTimeout), _writes);
    }

    /// <summary>Cancelled when the reader leaves, or <see cref="FarewellTimeout"/> after the stream was told to end.</summary>
    public CancellationToken Token => _writes.Token;

    public void Dispose()
    {
        // The registration first: its callback must not run on a disposed source.
        _deadline.Dispose();
        _writes.Dispose();
    }
}
