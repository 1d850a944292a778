namespace WorkSessions.Webhooks;

/// <summary>
/// Posts one signed delivery (docs/architecture.md#webhooks). Implemented in src/Hosting over HTTP with the SSRF rules
/// at connect time; the webhook grain sees only this.
/// </summary>
internal interface IWebhookSender
{
    /// <summary>Posts the body with the headers; never throws for the receiver's faults, which the outcome describes.</summary>
    Task<WebhookOutcome> SendAsync(WebhookRequest request, CancellationToken cancellationToken);
}

/// <summary>One delivery to post.</summary>
/// <param name="Url">The endpoint.</param>
/// <param name="MessageId">The <c>webhook-id</c> header: the event id.</param>
/// <param name="Timestamp">The <c>webhook-timestamp</c> header, Unix seconds.</param>
/// <param name="Signature">The <c>webhook-signature</c> header.</param>
/// <param name="Body">The event's JSON.</param>
internal sealed record WebhookRequest(Uri Url, string MessageId, long Timestamp, string Signature, string Body);

/// <summary>What a delivery attempt came to.</summary>
/// <param name="StatusCode">The receiver's status, null when none came.</param>
/// <param name="Latency">From sending to the answer or to giving up.</param>
/// <param name="Error">Why it failed; null for a 2xx.</param>
internal sealed record WebhookOutcome(int? StatusCode, TimeSpan Latency, string? Error)
{
    public bool Delivered => StatusCode is >= 200 and <= 299;
}
