namespace WorkSessions.Contracts.Webhooks;

/// <summary>Where an endpoint's deliveries stand.</summary>
public enum WebhookStatus
{
    /// <summary>Delivering, or retrying the next event with growing delays.</summary>
    Active,

    /// <summary>The next event failed for the whole retry window; deliveries wait until an admin sets <c>enabled: true</c>.</summary>
    Failing,

    /// <summary>An admin set <c>enabled: false</c>: deliveries are held, nothing is dropped.</summary>
    Disabled,
}

/// <summary>The limits of webhook endpoints.</summary>
public static class WebhookLimits
{
    /// <summary>The most endpoints a tenant may have.</summary>
    public const int MaxEndpointsPerTenant = 10;

    /// <summary>The longest URL accepted.</summary>
    public const int MaxUrlLength = 2048;

    /// <summary>The longest description accepted.</summary>
    public const int MaxDescriptionLength = 200;

    /// <summary>Whether <paramref name="webhookId"/> has the shape of an endpoint id (32 lowercase hex digits).</summary>
    /// <param name="webhookId">The id to check.</param>
    public static bool IsValidWebhookId(string? webhookId) =>
        webhookId is { Length: 32 } && webhookId.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}

/// <summary>What an admin sets when creating an endpoint.</summary>
/// <param name="Url">Where events are posted.</param>
/// <param name="Kinds">Only events of these kinds; null or empty for every kind.</param>
/// <param name="Description">A note for people.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.WebhookSettings")]
public sealed record WebhookSettings(
    [property: Id(0)] string Url,
    [property: Id(1)] IReadOnlyList<string>? Kinds,
    [property: Id(2)] string? Description);

/// <summary>What an admin changes on an endpoint; a null field stays as it is.</summary>
/// <param name="Url">A new URL.</param>
/// <param name="Kinds">New kinds; empty for every kind.</param>
/// <param name="Enabled">False holds deliveries; true resumes them (also after <see cref="WebhookStatus.Failing"/>).</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.WebhookChange")]
public sealed record WebhookChange(
    [property: Id(0)] string? Url,
    [property: Id(1)] IReadOnlyList<string>? Kinds,
    [property: Id(2)] bool? Enabled);

/// <summary>An endpoint as admins read it: never its secret.</summary>
/// <param name="WebhookId">The endpoint's id.</param>
/// <param name="Url">Where events are posted.</param>
/// <param name="Kinds">The kinds delivered; empty for every kind.</param>
/// <param name="Description">A note for people.</param>
/// <param name="Enabled">Whether an admin lets deliveries run.</param>
/// <param name="Status">Where deliveries stand.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="DeliveredPosition">The feed position of the last event delivered (or skipped for its kind); the next delivery is after it.</param>
/// <param name="NextAttemptAt">When the next retry of a failed event is due; null when none is pending.</param>
/// <param name="FailingSince">When the first of the current run of failures happened; null when the last attempt succeeded.</param>
/// <param name="PreviousSecretExpiresAt">Until when the secret before the last rotation still signs alongside; null when none does.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.WebhookView")]
public sealed record WebhookView(
    [property: Id(0)] string WebhookId,
    [property: Id(1)] string Url,
    [property: Id(2)] IReadOnlyList<string> Kinds,
    [property: Id(3)] string? Description,
    [property: Id(4)] bool Enabled,
    [property: Id(5)] WebhookStatus Status,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] long DeliveredPosition,
    [property: Id(8)] DateTimeOffset? NextAttemptAt,
    [property: Id(9)] DateTimeOffset? FailingSince,
    [property: Id(10)] DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>A new endpoint with its signing secret: the only time the secret is shown.</summary>
/// <param name="WebhookId">The endpoint's id.</param>
/// <param name="Status">Where deliveries stand (<c>active</c>).</param>
/// <param name="Secret">The signing secret, <c>whsec_</c> and base64; keep it, it is never shown again.</param>
/// <param name="Webhook">The endpoint as <c>GET /webhooks/{id}</c> shows it.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.WebhookCreated")]
public sealed record WebhookCreated(
    [property: Id(0)] string WebhookId,
    [property: Id(1)] WebhookStatus Status,
    [property: Id(2)] string Secret,
    [property: Id(3)] WebhookView Webhook);

/// <summary>A rotated secret: the only time the new one is shown.</summary>
/// <param name="WebhookId">The endpoint's id.</param>
/// <param name="Secret">The new signing secret.</param>
/// <param name="PreviousSecretExpiresAt">Until when the previous secret keeps signing alongside the new one.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.WebhookSecretRotated")]
public sealed record WebhookSecretRotated(
    [property: Id(0)] string WebhookId,
    [property: Id(1)] string Secret,
    [property: Id(2)] DateTimeOffset PreviousSecretExpiresAt);

/// <summary>One delivery attempt of one event to one endpoint.</summary>
/// <param name="EventId">The event's id, sent as <c>webhook-id</c>.</param>
/// <param name="Position">The event's feed position.</param>
/// <param name="Attempt">1 for the first attempt of this event, 2 for its first retry, and so on.</param>
/// <param name="At">When the attempt was made.</param>
/// <param name="StatusCode">The receiver's HTTP status; null when none came (refused, timed out, unreachable).</param>
/// <param name="LatencyMs">Milliseconds from sending to the answer (or to giving up).</param>
/// <param name="Error">Why the attempt failed; null when it succeeded.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.WebhookDelivery")]
public sealed record WebhookDelivery(
    [property: Id(0)] Guid EventId,
    [property: Id(1)] long Position,
    [property: Id(2)] int Attempt,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] int? StatusCode,
    [property: Id(5)] long LatencyMs,
    [property: Id(6)] string? Error);
