using Orleans.Concurrency;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Contracts.Webhooks;

namespace WorkSessions;

/// <summary>
/// A tenant's webhook endpoints (docs/architecture.md#webhooks): creates them, lists them, deletes them, and keeps the
/// limit of <see cref="WebhookLimits.MaxEndpointsPerTenant"/>. Key: the tenant (<see cref="WorkSessionsGrains.GetWebhookRegistry"/>).
/// </summary>
[Alias("WorkSessions.IWebhookRegistryGrain")]
public interface IWebhookRegistryGrain : IGrainWithStringKey
{
    /// <summary>Creates an endpoint that delivers every event stored from now on.</summary>
    /// <param name="settings">URL, kinds and description.</param>
    /// <param name="createdBy">The admin's user id.</param>
    /// <returns>The endpoint with its secret, shown this once.</returns>
    /// <exception cref="WorkSessionException"><c>webhook_limit</c>, <c>invalid_webhook_url</c>, <c>invalid_argument</c>.</exception>
    [Alias("Create")]
    Task<WebhookCreated> Create(WebhookSettings settings, string createdBy);

    /// <summary>The tenant's endpoints, oldest first.</summary>
    /// <returns>Every endpoint, without secrets.</returns>
    [Alias("List")]
    Task<IReadOnlyList<WebhookView>> List();

    /// <summary>Deletes an endpoint and stops its deliveries.</summary>
    /// <param name="webhookId">The endpoint's id.</param>
    /// <exception cref="WorkSessionException"><c>webhook_not_found</c>.</exception>
    [Alias("Delete")]
    Task Delete(string webhookId);

    /// <summary>New events of the tenant were stored: wakes the enabled endpoints' deliverers.</summary>
    [OneWay, Alias("EventsStored")]
    Task EventsStored();
}

/// <summary>
/// One webhook endpoint and its deliverer (docs/architecture.md#webhooks): the only place in the cluster that posts the
/// tenant's feed to that URL, one event at a time in feed order. Key: tenant and endpoint id
/// (<see cref="WorkSessionsGrains.GetWebhookGrain"/>).
/// </summary>
[Alias("WorkSessions.IWebhookGrain")]
public interface IWebhookGrain : IGrainWithStringKey
{
    /// <summary>The endpoint, without its secret.</summary>
    /// <returns>The endpoint.</returns>
    /// <exception cref="WorkSessionException"><c>webhook_not_found</c>.</exception>
    [ReadOnly, Alias("Get")]
    Task<WebhookView> Get();

    /// <summary>Changes the URL, the kinds, or holds and resumes deliveries.</summary>
    /// <param name="change">The fields to change.</param>
    /// <returns>The endpoint after the change.</returns>
    /// <exception cref="WorkSessionException"><c>webhook_not_found</c>, <c>invalid_webhook_url</c>, <c>invalid_argument</c>.</exception>
    [Alias("Update")]
    Task<WebhookView> Update(WebhookChange change);

    /// <summary>Makes a new secret; the previous one keeps signing alongside it for the overlap (24 h by default).</summary>
    /// <returns>The new secret, shown this once.</returns>
    /// <exception cref="WorkSessionException"><c>webhook_not_found</c>.</exception>
    [Alias("RotateSecret")]
    Task<WebhookSecretRotated> RotateSecret();

    /// <summary>Delivers again every event after a feed position (or skips ahead to it).</summary>
    /// <param name="after">The feed position after which deliveries continue.</param>
    /// <returns>The endpoint after the change.</returns>
    /// <exception cref="WorkSessionException"><c>webhook_not_found</c>, <c>invalid_cursor</c>.</exception>
    [Alias("Replay")]
    Task<WebhookView> Replay(long after);

    /// <summary>The latest delivery attempts, newest first.</summary>
    /// <param name="cursor">The previous page's cursor, or null.</param>
    /// <param name="limit">The page size, 1–1000.</param>
    /// <returns>A page of attempts.</returns>
    /// <exception cref="WorkSessionException"><c>webhook_not_found</c>, <c>invalid_cursor</c>, <c>invalid_argument</c>.</exception>
    [ReadOnly, Alias("GetDeliveries")]
    Task<ReportPage<WebhookDelivery>> GetDeliveries(string? cursor, int limit);
}
