namespace WorkSessions.Webhooks;

/// <summary>
/// Posts an attempt outside the grain's turns and reports its outcome back to the endpoint's grain
/// (docs/architecture.md#webhooks): the answer may take the whole request timeout, and the grain answers admins
/// meanwhile. A report that finds the activation gone is dropped; the next activation sends the event again.
/// </summary>
internal sealed class WebhookPoster(IWebhookSender sender)
{
    /// <summary>Signs <paramref name="attempt"/>'s event with <paramref name="secrets"/> and posts it to <paramref name="url"/>.</summary>
    /// <param name="deliverer">The endpoint's grain, told the outcome with <see cref="IWebhookDeliverer.Completed"/>.</param>
    /// <param name="attempt">The attempt: its event, its id for the report back, the time it is sent at.</param>
    /// <param name="url">The endpoint's URL.</param>
    /// <param name="secrets">The secrets that sign now, in the order the signatures go.</param>
    public void Post(IWebhookDeliverer deliverer, DeliveryAttempt attempt, string url, IReadOnlyList<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(deliverer);
        ArgumentNullException.ThrowIfNull(attempt);
        var messageId = attempt.Event.EventId.ToString();
        var timestamp = attempt.At.ToUnixTimeSeconds();
        var body = WebhookPayload.Serialize(attempt.Event);
        var request = new WebhookRequest(new Uri(url), messageId, timestamp, WebhookSigning.Sign(secrets, messageId, timestamp, body), body);
        _ = Task.Run(async () =>
        {
            WebhookOutcome outcome;
            try
            {
                outcome = await sender.SendAsync(request, CancellationToken.None);
            }
            catch (Exception exception)
            {
                outcome = new WebhookOutcome(null, TimeSpan.Zero, exception.Message);
            }

            try
            {
                await deliverer.Completed(attempt.Id, outcome.StatusCode, (long)outcome.Latency.TotalMilliseconds, outcome.Error);
            }
            catch (Exception)
            {
                // The activation is gone: the next one sends the event again.
            }
        });
    }
}
