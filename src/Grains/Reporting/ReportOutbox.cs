namespace WorkSessions.Reporting;

/// <summary>
/// A grain's side of the reporting outbox (docs/architecture.md#reporting): which stored entries the writer has taken
/// and which it has stored. The entries themselves live in the grain's persisted state, written with the transition
/// that produced them; delivered ones are trimmed by the next write, never by a write of their own.
/// The writer reports delivery to this object, not to the grain: a message would activate a grain that has gone idle
/// (and the activation would hand its stored entries over again), while an activation that is gone has nothing left
/// to learn — its successor hands the stored entries over, and inserts are idempotent. So <see cref="Delivered"/> is
/// the one member called from outside the grain's turns; the others take what it left at their start.
/// </summary>
internal sealed class ReportOutbox(int capacity)
{
    /// <summary>
    /// How long an entry handed over may go unacknowledged before it is handed over again: the writer's queue is
    /// lost with its process, and a writer can fail; inserts are idempotent, so a repeat costs nothing.
    /// </summary>
    public static readonly TimeSpan HandOverAgainAfter = TimeSpan.FromMinutes(5);

    // Both null while empty: one outbox per agent activation, and an agent with nothing in flight (most, most of the
    // time) should not hold two empty collections' arrays.
    private HashSet<Guid>? _delivered;
    private Dictionary<Guid, DateTimeOffset>? _handedOver;

    // Written by the report writer's loop, taken by the grain's turns; guarded by locking this instance.
    private List<Guid>? _arrived;

    /// <summary>
    /// The outbox to store with the next write: the stored entries not yet delivered, then <paramref name="added"/>,
    /// cut to the capacity by dropping the oldest.
    /// </summary>
    public List<ReportEntry> Next(IReadOnlyList<ReportEntry> stored, IReadOnlyList<ReportEntry> added, out int dropped)
    {
        TakeArrived();
        var next = new List<ReportEntry>(stored.Count + added.Count);
        foreach (var entry in stored)
        {
            if (!IsDelivered(entry.EventId))
            {
                next.Add(entry);
            }
        }

        next.AddRange(added);
        dropped = Math.Max(0, next.Count - capacity);
        if (dropped > 0)
        {
            next.RemoveRange(0, dropped);
        }

        return next;
    }

    /// <summary>The write of <paramref name="stored"/> succeeded: forget what it no longer holds.</summary>
    public void Stored(IReadOnlyList<ReportEntry> stored)
    {
        TakeArrived();
        if (_delivered is null && _handedOver is null)
        {
            return;
        }

        var held = stored.Select(entry => entry.EventId).ToHashSet();
        _delivered?.IntersectWith(held);
        if (_delivered is { Count: 0 })
        {
            _delivered = null;
        }

        if (_handedOver is not null)
        {
            foreach (var eventId in _handedOver.Keys.Where(eventId => !held.Contains(eventId)).ToList())
            {
                _handedOver.Remove(eventId);
            }

            if (_handedOver.Count == 0)
            {
                _handedOver = null;
            }
        }
    }

    /// <summary>
    /// Stored entries to hand to the writer: those it has not taken (yet, or since it refused them), and those taken
    /// longer than <see cref="HandOverAgainAfter"/> ago without an acknowledgement.
    /// </summary>
    public List<ReportEntry> NotHandedOver(IReadOnlyList<ReportEntry> stored, DateTimeOffset now)
    {
        TakeArrived();
        return [.. stored.Where(entry => !IsDelivered(entry.EventId)
            && (_handedOver is null || !_handedOver.TryGetValue(entry.EventId, out var at) || now - at >= HandOverAgainAfter))];
    }

    public void HandedOver(IReadOnlyList<ReportEntry> entries, DateTimeOffset now)
    {
        foreach (var entry in entries)
        {
            (_handedOver ??= [])[entry.EventId] = now;
        }
    }

    /// <summary>The writer stored these entries. Safe to call from any thread; the grain's next turn takes them in.</summary>
    public void Delivered(IReadOnlyList<Guid> eventIds)
    {
        lock (this)
        {
            (_arrived ??= []).AddRange(eventIds);
        }
    }

    private void TakeArrived()
    {
        List<Guid>? arrived;
        lock (this)
        {
            arrived = _arrived;
            _arrived = null;
        }

        if (arrived is null)
        {
            return;
        }

        foreach (var eventId in arrived)
        {
            (_delivered ??= []).Add(eventId);
            _handedOver?.Remove(eventId);
        }

        if (_handedOver is { Count: 0 })
        {
            _handedOver = null;
        }
    }

    /// <summary>Whether a stored entry is not yet in the report tables: the grain keeps a wake-up until none is.</summary>
    public bool HasUndelivered(IReadOnlyList<ReportEntry> stored)
    {
        TakeArrived();
        return stored.Any(entry => !IsDelivered(entry.EventId));
    }

    private bool IsDelivered(Guid eventId) => _delivered?.Contains(eventId) == true;
}
