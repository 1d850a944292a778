using Orleans.Concurrency;
using WorkSessions.Contracts.Webhooks;

namespace WorkSessions.Webhooks;

/// <summary>What the registry and the deliverer itself call on an endpoint grain. Internal to the silo.</summary>
[Alias("WorkSessions.IWebhookDeliverer")]
internal interface IWebhookDeliverer : IWebhookGrain
{
    /// <summary>Creates the endpoint; it delivers the events stored after this moment.</summary>
    [Alias("Create")]
    Task<WebhookCreated> Create(WebhookSettings settings, string createdBy);

    /// <summary>Deletes the endpoint: state, timers and reminder.</summary>
    [Alias("Delete")]
    Task Delete();

    /// <summary>New events may be in the feed.</summary>
    [OneWay, Alias("Wake")]
    Task Wake();

    /// <summary>The outcome of the attempt <paramref name="attemptId"/>, reported when the receiver answered or did not.</summary>
    [Alias("Completed")]
    Task Completed(Guid attemptId, int? statusCode, long latencyMs, string? error);
}
