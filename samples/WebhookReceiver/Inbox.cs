using System.Collections.Concurrent;

namespace WorkSessions.Samples.WebhookReceiver;

/// <summary>
/// What the receiver does with each event, once. Here: it logs and keeps it. A real one updates its own store and keeps
/// the webhook-id there in the same transaction (a unique key), for longer than the sender's 24 h of retries and any
/// replay you may ask for; this one keeps the ids in memory, so a restart forgets them.
/// </summary>
public sealed class Inbox(ILogger<Inbox> logger)
{
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<WorkSessionEvent> _handled = new();
    private int _duplicates;

    /// <summary>The events handled, in the order they were handled (the feed's order, per endpoint).</summary>
    public IReadOnlyList<WorkSessionEvent> Handled => [.. _handled];

    /// <summary>Deliveries of an event already handled: retries and replays.</summary>
    public int Duplicates => _duplicates;

    /// <summary>Whether the event of this webhook-id was handled already; counts the duplicate if so.</summary>
    public bool Seen(string webhookId)
    {
        if (!_seen.ContainsKey(webhookId))
        {
            return false;
        }

        Interlocked.Increment(ref _duplicates);
        return true;
    }

    public void Handle(string webhookId, WorkSessionEvent feedEvent)
    {
        logger.LogInformation("Event {Position} {Kind} of {AgentId} at {At}", feedEvent.Position, feedEvent.Kind, feedEvent.AgentId, feedEvent.At);
        _handled.Enqueue(feedEvent);
        _seen.TryAdd(webhookId, 0);
    }
}
