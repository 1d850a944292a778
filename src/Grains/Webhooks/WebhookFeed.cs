using Microsoft.Extensions.Logging;
using WorkSessions.Contracts.Reports;
using WorkSessions.Storage;

namespace WorkSessions.Webhooks;

/// <summary>
/// An endpoint's one read of its tenant's event feed (docs/architecture.md#webhooks): a page after the stored position.
/// Apart from the grain because its failure rule is the deliverer's, not the store's: a database that is away is logged
/// and costs nothing but a poll interval, the next poll reads again.
/// </summary>
internal static class WebhookFeed
{
    /// <summary>Feed events read per query.</summary>
    public const int PageSize = 100;

    /// <summary>Up to <see cref="PageSize"/> events of <paramref name="tenantId"/> after <paramref name="position"/>; null when the read failed.</summary>
    public static async Task<List<FeedEvent>?> ReadAsync(IReportStore store, string tenantId, long position, ILogger logger, string webhookKey)
    {
        try
        {
            return await store.ReadEventsAsync(new EventFilter(tenantId, PageSize) { AfterPosition = position }, CancellationToken.None);
        }
        catch (Exception exception)
        {
            WebhookLog.FeedReadFailed(logger, exception, webhookKey);
            return null;
        }
    }
}
