using WorkSessions.Contracts.Reports;

namespace WorkSessions.Webhooks;

/// <summary>One attempt to deliver an event, as its deliverer started it.</summary>
/// <param name="Id">Names the attempt in the report that comes back.</param>
/// <param name="Event">The event sent.</param>
/// <param name="Number">1 for the event's first attempt, one more for each retry.</param>
/// <param name="At">When it was sent.</param>
/// <param name="Generation">The cursor's generation when it was sent: after a jump it no longer counts.</param>
internal sealed record DeliveryAttempt(Guid Id, FeedEvent Event, int Number, DateTimeOffset At, long Generation);

/// <summary>
/// Where one endpoint's deliverer stands in its tenant's feed, in memory (docs/architecture.md#webhooks): the events read
/// ahead of the stored position, in feed order, and the one attempt in flight. A jump of the position (a replay, a new
/// URL or kinds, a delete) starts a new generation: the read-ahead goes, and an attempt from before is only logged when
/// its answer comes. Not thread-safe: the grain's turns serialize it.
/// </summary>
internal sealed class EndpointCursor
{
    private readonly Queue<FeedEvent> _ahead = new();
    private long _generation;

    /// <summary>The attempt sent and not yet answered, if any: the next one waits for it.</summary>
    public DeliveryAttempt? InFlight { get; private set; }

    /// <summary>Nothing is read ahead: the feed must be read after the position.</summary>
    public bool NeedsEvents => _ahead.Count == 0;

    /// <summary>The position is about to jump: forget the read-ahead and let the attempt in flight only be logged.</summary>
    public void Jump()
    {
        _generation++;
        InFlight = null;
        _ahead.Clear();
    }

    /// <summary>Events read from the feed after the last one read ahead, in feed order.</summary>
    public void Append(IEnumerable<FeedEvent> events)
    {
        foreach (var feedEvent in events)
        {
            _ahead.Enqueue(feedEvent);
        }
    }

    /// <summary>
    /// Passes over the events at the head that the endpoint does not take, and answers the position of the last one
    /// passed (the stored position moves on without a post), or null when the head is wanted or nothing is read ahead.
    /// </summary>
    public long? SkipUnwanted(Func<FeedEvent, bool> wanted)
    {
        long? passed = null;
        while (_ahead.TryPeek(out var head) && !wanted(head))
        {
            _ahead.Dequeue();
            passed = head.Position;
        }

        return passed;
    }

    /// <summary>Starts an attempt at the next event read ahead; it is in flight until <see cref="Finish"/>.</summary>
    /// <param name="attemptNumberOf">The attempt number of an event, by its id: one more than its failures so far.</param>
    /// <param name="now">When it is sent.</param>
    public DeliveryAttempt Start(Func<Guid, int> attemptNumberOf, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(attemptNumberOf);
        var next = _ahead.Peek();
        InFlight = new DeliveryAttempt(Guid.NewGuid(), next, attemptNumberOf(next.EventId), now, _generation);
        return InFlight;
    }

    /// <summary>
    /// The answer to attempt <paramref name="attemptId"/> came back. Null when that is not the attempt in flight (one an
    /// earlier activation sent: the event goes again from the stored position); otherwise the attempt and whether it
    /// still counts (no jump since). A counted delivery takes the event off the read-ahead.
    /// </summary>
    public (DeliveryAttempt Attempt, bool Counts)? Finish(Guid attemptId, bool delivered)
    {
        if (InFlight is not { } attempt || attempt.Id != attemptId)
        {
            return null;
        }

        InFlight = null;
        var counts = attempt.Generation == _generation;
        if (counts && delivered)
        {
            _ahead.Dequeue();
        }

        return (attempt, counts);
    }

    /// <summary>
    /// The attempt in flight when its answer is overdue: the sender answers within <paramref name="requestTimeout"/>, so
    /// no report long after it (twice) means the report back was lost, and the attempt counts as unanswered.
    /// </summary>
    public DeliveryAttempt? Overdue(DateTimeOffset now, TimeSpan requestTimeout) =>
        InFlight is { } attempt && now - attempt.At > requestTimeout * 2 ? attempt : null;
}
