using WorkSessions.Contracts.Webhooks;

namespace WorkSessions.Webhooks;

/// <summary>One endpoint's persisted state: its settings, secrets, delivery position, retry schedule and recent attempts.</summary>
internal sealed class WebhookGrainState
{
    public bool Exists { get; set; }

    public string Url { get; set; } = "";

    public List<string> Kinds { get; set; } = [];

    public string? Description { get; set; }

    public bool Enabled { get; set; }

    /// <summary>The retry window ran out; deliveries wait for an admin's <c>enabled: true</c>.</summary>
    public bool Failing { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string? CreatedBy { get; set; }

    /// <summary>The signing secret. Stored as it is: the silo needs it to sign.</summary>
    public string Secret { get; set; } = "";

    public string? PreviousSecret { get; set; }

    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }

    /// <summary>The feed position of the last event delivered with a 2xx (or passed over for its kind).</summary>
    public long Position { get; set; }

    /// <summary>The event being retried, its failed attempts, its first failure and when the next attempt is due.</summary>
    public Guid? RetryEventId { get; set; }

    public int FailedAttempts { get; set; }

    public DateTimeOffset? FirstFailureAt { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>The sequence number of the latest attempt logged.</summary>
    public long LogSequence { get; set; }

    /// <summary>The latest attempts, oldest first, at most <c>Webhooks:DeliveryLogSize</c>.</summary>
    public List<LoggedDelivery> Log { get; set; } = [];

    public void ClearRetry()
    {
        RetryEventId = null;
        FailedAttempts = 0;
        FirstFailureAt = null;
        NextAttemptAt = null;
    }
}

/// <summary>One logged attempt with its sequence number (the deliveries log's cursor).</summary>
internal sealed record LoggedDelivery(long Sequence, WebhookDelivery Delivery);

/// <summary>The tenant's endpoint ids, oldest first.</summary>
internal sealed class WebhookRegistryState
{
    public List<string> WebhookIds { get; set; } = [];
}
