using WorkSessions.Reporting;

namespace WorkSessions.Webhooks;

/// <summary>
/// Wakes a tenant's webhook deliverers as soon as its events are stored, so deliveries follow within a grain call
/// rather than a poll interval (docs/architecture.md#webhooks). One-way and best effort: the deliverers poll too.
/// </summary>
internal sealed class WebhookWake : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ReportWriter _writer;
    private readonly IGrainFactory _grains;

    public WebhookWake(ReportWriter writer, IGrainFactory grains)
    {
        _writer = writer;
        _grains = grains;
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            nameof(WebhookWake),
            ServiceLifecycleStage.Active,
            _ =>
            {
                _writer.BatchStored += OnBatchStored;
                return Task.CompletedTask;
            },
            _ =>
            {
                _writer.BatchStored -= OnBatchStored;
                return Task.CompletedTask;
            });

    private void OnBatchStored(IReadOnlyCollection<string> tenantIds)
    {
        foreach (var tenantId in tenantIds)
        {
            _ = _grains.GetWebhookRegistry(tenantId).EventsStored();
        }
    }
}
