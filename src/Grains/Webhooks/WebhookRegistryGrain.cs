using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Webhooks;
using WorkSessions.Hosting;

namespace WorkSessions.Webhooks;

/// <summary>
/// A tenant's list of webhook endpoints (docs/architecture.md#webhooks): the limit, the ids, and the wake-up of the
/// endpoints' deliverers when the tenant's events are stored. The endpoints hold everything else.
/// </summary>
[GrainType("webhooks")]
internal sealed class WebhookRegistryGrain(
    [PersistentState(StateNames.WebhookRegistry, StorageNames.WorkSessions)] IPersistentState<WebhookRegistryState> state,
    IOptions<WebhookOptions> options,
    ILogger<WebhookRegistryGrain> logger) : Grain, IWebhookRegistryGrain
{
    private string TenantId => WorkSessionsGrains.TenantIdOf(this.GetPrimaryKeyString());

    public async Task<WebhookCreated> Create(WebhookSettings settings, string createdBy)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (state.State.WebhookIds.Count >= WebhookLimits.MaxEndpointsPerTenant)
        {
            throw new WorkSessionException(
                ErrorCodes.WebhookLimit, $"A tenant has at most {WebhookLimits.MaxEndpointsPerTenant} webhooks; delete one first.");
        }

        // Refused settings take no place on the list.
        options.Value.UrlRules.Check(settings.Url);
        WebhookSettingsRules.Kinds(settings.Kinds);
        WebhookSettingsRules.Description(settings.Description);

        // Listed before it exists: a crash in between leaves an id the list skips and a delete removes, never an
        // endpoint that delivers without being listed.
        var webhookId = Guid.NewGuid().ToString("N");
        state.State.WebhookIds.Add(webhookId);
        await state.WriteStateAsync();
        try
        {
            return await Endpoint(webhookId).Create(settings, createdBy);
        }
        catch (Exception exception)
        {
            WebhookLog.CreateFailed(logger, exception, TenantId, webhookId);
            state.State.WebhookIds.Remove(webhookId);
            await state.WriteStateAsync();
            throw;
        }
    }

    public async Task<IReadOnlyList<WebhookView>> List()
    {
        var views = await Task.WhenAll(state.State.WebhookIds.Select(async webhookId =>
        {
            try
            {
                return await Endpoint(webhookId).Get();
            }
            catch (WorkSessionException exception) when (exception.Code == ErrorCodes.WebhookNotFound)
            {
                return null;
            }
        }));
        return [.. views.OfType<WebhookView>()];
    }

    public async Task Delete(string webhookId)
    {
        if (!state.State.WebhookIds.Contains(webhookId))
        {
            throw new WorkSessionException(ErrorCodes.WebhookNotFound, "The tenant has no such webhook.");
        }

        try
        {
            await Endpoint(webhookId).Delete();
        }
        catch (WorkSessionException exception) when (exception.Code == ErrorCodes.WebhookNotFound)
        {
            // Listed but never created (see Create): only the id is left to remove.
        }

        state.State.WebhookIds.Remove(webhookId);
        await state.WriteStateAsync();
    }

    public Task EventsStored()
    {
        // A tenant without webhooks keeps its (empty) activation like any idle grain: deactivating it here would read its
        // row again on every batch of the tenant's events.
        foreach (var webhookId in state.State.WebhookIds)
        {
            _ = Endpoint(webhookId).Wake();
        }

        return Task.CompletedTask;
    }

    private IWebhookDeliverer Endpoint(string webhookId) => GrainFactory.GetGrain<IWebhookDeliverer>(WorkSessionsGrains.WebhookKey(TenantId, webhookId));
}
