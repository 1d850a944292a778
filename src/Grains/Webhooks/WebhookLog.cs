using Microsoft.Extensions.Logging;

namespace WorkSessions.Webhooks;

/// <summary>What the webhook grains log. Never a secret, never a body.</summary>
internal static partial class WebhookLog
{
    [LoggerMessage(LogLevel.Information, "Webhook {WebhookKey} created by {CreatedBy}")]
    public static partial void Created(ILogger logger, string webhookKey, string createdBy);

    [LoggerMessage(LogLevel.Information, "Webhook {WebhookKey} delivers on this silo from position {Position}")]
    public static partial void Delivering(ILogger logger, string webhookKey, long position);

    [LoggerMessage(LogLevel.Information, "Webhook {WebhookKey} deleted")]
    public static partial void Deleted(ILogger logger, string webhookKey);

    [LoggerMessage(LogLevel.Information, "Webhook {WebhookKey} secret rotated; the previous one signs alongside until {ExpiresAt}")]
    public static partial void SecretRotated(ILogger logger, string webhookKey, DateTimeOffset expiresAt);

    [LoggerMessage(LogLevel.Information, "Webhook {WebhookKey} replays after position {Position}")]
    public static partial void Replayed(ILogger logger, string webhookKey, long position);

    [LoggerMessage(LogLevel.Warning, "Webhook {WebhookKey} is failing: event {EventId} failed {Attempts} attempts since {FirstFailureAt}; deliveries wait for an admin")]
    public static partial void Failing(ILogger logger, string webhookKey, Guid eventId, int attempts, DateTimeOffset firstFailureAt);

    [LoggerMessage(LogLevel.Warning, "Webhook {WebhookKey} could not read the feed; the next poll tries again")]
    public static partial void FeedReadFailed(ILogger logger, Exception exception, string webhookKey);

    [LoggerMessage(LogLevel.Warning, "Webhook {WebhookKey} could not store its position on deactivation; the next activation repeats the events since")]
    public static partial void WriteFailed(ILogger logger, Exception exception, string webhookKey);

    [LoggerMessage(LogLevel.Warning, "Webhook {WebhookKey} could not register or remove its reminder")]
    public static partial void ReminderFailed(ILogger logger, Exception exception, string webhookKey);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not create webhook {WebhookId}")]
    public static partial void CreateFailed(ILogger logger, Exception exception, string tenantId, string webhookId);
}
