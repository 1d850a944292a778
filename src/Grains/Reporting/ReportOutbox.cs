using Orleans.Concurrency;

namespace WorkSessions.Reporting;

/// <summary>What the silo's report writer calls on a grain whose outbox entries it stored. Internal to the silo.</summary>
[Alias("WorkSessions.IReportOutbox")]
internal interface IReportOutbox : IGrainWithStringKey
{
    /// <summary>These entries are in the report tables; the grain drops them from its state with its next write.</summary>
    /// <param name="eventIds">The stored entries' event ids.</param>
    [OneWay, AlwaysInterleave, Alias("Delivered")]
    Task Delivered(IReadOnlyList<Guid> eventIds);
}

/// <summary>
/// A grain's side of the reporting outbox (docs/architecture.md#reporting): which stored entries the writer has taken
/// and which it has stored. The entries themselves live in the grain's persisted state, written with the transition
/// that produced them; delivered ones are trimmed by the next write, never by a write of their own.
/// </summary>
internal sealed class ReportOutbox(int capacity)
{
    /// <summary>
    /// How long an entry handed over may go unacknowledged before it is handed over again: an acknowledgement is a
    /// one-way message and can be lost, and a writer can fail; inserts are idempotent, so a repeat costs nothing.
    /// </summary>
    public static readonly TimeSpan HandOverAgainAfter = TimeSpan.FromMinutes(5);

    // Both null while empty: one outbox per agent activation, and an agent with nothing in flight (most, most of the
    // time) should not hold two empty collections' arrays.
    private HashSet<Guid>? _delivered;
    private Dictionary<Guid, DateTimeOffset>? _handedOver;

    /// <summary>
    /// The outbox to store with the next write: the stored entries not yet delivered, then <paramref name="added"/>,
    /// cut to the capacity by dropping the oldest.
    /// </summary>
    public List<ReportEntry> Next(IReadOnlyList<ReportEntry> stored, IReadOnlyList<ReportEntry> added, out int dropped)
    {
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
    public List<ReportEntry> NotHandedOver(IReadOnlyList<ReportEntry> stored, DateTimeOffset now) =>
        [.. stored.Where(entry => !IsDelivered(entry.EventId)
            && (_handedOver is null || !_handedOver.TryGetValue(entry.EventId, out var at) || now - at >= HandOverAgainAfter))];

    public void HandedOver(IReadOnlyList<ReportEntry> entries, DateTimeOffset now)
    {
        foreach (var entry in entries)
        {
            (_handedOver ??= [])[entry.EventId] = now;
        }
    }

    public void Delivered(IReadOnlyList<Guid> eventIds)
    {
        foreach (var eventId in eventIds)
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
    public bool HasUndelivered(IReadOnlyList<ReportEntry> stored) => stored.Any(entry => !IsDelivered(entry.EventId));

    private bool IsDelivered(Guid eventId) => _delivered?.Contains(eventId) == true;
}
