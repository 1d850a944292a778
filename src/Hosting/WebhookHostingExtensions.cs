using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using WorkSessions.Webhooks;

namespace WorkSessions.Hosting;

/// <summary>The webhook deliverers' HTTP side (docs/architecture.md#webhooks).</summary>
public static class WebhookHostingExtensions
{
    /// <summary>
    /// The HTTP sender of webhook deliveries; <c>Webhooks:PublicHttpsOnly</c> defaults to true outside Development.
    /// </summary>
    public static ISiloBuilder AddWebhookDelivery(this ISiloBuilder silo)
    {
        silo.Services.AddOptions<WebhookOptions>().PostConfigure<IHostEnvironment>(
            (options, environment) => options.PublicHttpsOnly ??= !environment.IsDevelopment());
        silo.Services.TryAddSingleton<IWebhookSender, WebhookHttpSender>();
        return silo;
    }
}
