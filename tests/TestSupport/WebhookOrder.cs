namespace WorkSessions.TestSupport;

/// <summary>
/// The webhook promise checked on what a receiver saw (DESIGN §10): every feed event accepted at least once, first
/// arrivals in feed order, no event sent before every earlier one was accepted (none skipped), and every repeat a
/// repeat of the same <c>webhook-id</c> with the same body.
/// </summary>
public static class WebhookOrder
{
    /// <summary>The violations found; empty when the promise held.</summary>
    /// <param name="deliveries">Everything the receiver got, in arrival order.</param>
    /// <param name="feed">The feed's events after the endpoint's start, as (position, event id), in feed order.</param>
    public static IReadOnlyList<string> Violations(IReadOnlyList<ReceivedDelivery> deliveries, IReadOnlyList<(long Position, string EventId)> feed)
    {
        var problems = new List<string>();
        var byPosition = feed.ToDictionary(e => e.Position, e => e.EventId);
        var accepted = new HashSet<long>();
        var bodies = new Dictionary<string, string>(StringComparer.Ordinal);
        var lastFirst = long.MinValue;
        foreach (var delivery in deliveries)
        {
            if (!delivery.Verified)
            {
                problems.Add($"position {delivery.Position}: the signature did not verify ({delivery.Failure})");
            }

            if (!byPosition.TryGetValue(delivery.Position, out var eventId) || eventId != delivery.WebhookId)
            {
                problems.Add($"position {delivery.Position} arrived as {delivery.WebhookId}, which is not that feed event");
            }

            if (bodies.TryGetValue(delivery.WebhookId, out var body) && body != delivery.Body)
            {
                problems.Add($"{delivery.WebhookId} arrived again with another body");
            }

            bodies[delivery.WebhookId] = delivery.Body;
            var missing = feed.Where(e => e.Position < delivery.Position && !accepted.Contains(e.Position)).Select(e => e.Position).Take(3).ToList();
            if (missing.Count > 0)
            {
                problems.Add($"position {delivery.Position} was sent before {string.Join(", ", missing)} had been accepted");
            }

            if (delivery.Status is >= 200 and <= 299 && accepted.Add(delivery.Position))
            {
                if (delivery.Position < lastFirst)
                {
                    problems.Add($"position {delivery.Position} was first accepted after {lastFirst}");
                }

                lastFirst = delivery.Position;
            }
        }

        problems.AddRange(feed.Where(e => !accepted.Contains(e.Position)).Select(e => $"position {e.Position} ({e.EventId}) was never accepted"));
        return problems;
    }

    /// <summary>The p-th percentile (0–100) of the values, nearest rank.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
