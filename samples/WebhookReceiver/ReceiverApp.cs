using Microsoft.AspNetCore.Mvc;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace WorkSessions.Samples.WebhookReceiver;

/// <summary>The receiver: one route that verifies, de-duplicates and hands each event to <see cref="Inbox"/>.</summary>
public static class ReceiverApp
{
    public const string Route = "/webhooks/work-sessions";

    /// <summary>The app, configured from <paramref name="args"/> (<c>Webhook:Secret</c>, <c>urls</c>) and the environment.</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        // The endpoint's secret (whsec_…), shown once when it was created or rotated. After a rotation the old secret
        // signs alongside the new one for 24 h: set the new one here and the old one as Webhook:PreviousSecret, and
        // remove that once the 24 h are over. Both are tried, so no delivery fails while you switch.
        var secrets = new[] { builder.Configuration["Webhook:Secret"], builder.Configuration["Webhook:PreviousSecret"] }
            .Where(secret => !string.IsNullOrEmpty(secret))
            .Select(secret => new StandardWebhook(secret!))
            .ToArray();
        if (secrets.Length == 0)
        {
            throw new InvalidOperationException("Set Webhook:Secret to the endpoint's signing secret (whsec_…).");
        }

        builder.Services.AddSingleton(secrets);
        builder.Services.AddSingleton<Inbox>();

        var app = builder.Build();
        app.MapPost(Route, ReceiveAsync);
        return app;
    }

    private static async Task<IResult> ReceiveAsync(HttpRequest request, [FromServices] StandardWebhook[] secrets, [FromServices] Inbox inbox)
    {
        // The signature covers the exact bytes sent: read them as they are, verify, and only then parse.
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        if (!secrets.Any(secret => Verifies(secret, body, request.Headers)))
        {
            return Results.Unauthorized();
        }

        // At least once: a retry, a restart of the sender or a replay brings an event again with the same webhook-id.
        var webhookId = request.Headers["webhook-id"].ToString();
        if (inbox.Seen(webhookId))
        {
            return Results.NoContent();
        }

        var feedEvent = System.Text.Json.JsonSerializer.Deserialize<WorkSessionEvent>(body, System.Text.Json.JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException("An empty delivery.");
        // Handled before the 2xx: an answer lost on the way means a retry, never a lost event. Answer within 10 s, or the
        // delivery counts as failed and is retried.
        inbox.Handle(webhookId, feedEvent);
        return Results.NoContent();
    }

    // webhook-signature over "webhook-id.webhook-timestamp.body"; a timestamp more than 5 minutes from now is refused too.
    private static bool Verifies(StandardWebhook secret, string body, IHeaderDictionary headers)
    {
        try
        {
            secret.Verify(body, headers);
            return true;
        }
        catch (WebhookVerificationException)
        {
            return false;
        }
    }
}

/// <summary>The fields of a feed event this receiver reads (the body has them all: GET /api/v1/events's shape).</summary>
/// <param name="Position">Its place in the tenant's feed; an endpoint receives events in this order.</param>
/// <param name="EventId">Its id, also the webhook-id header.</param>
/// <param name="At">When it happened.</param>
/// <param name="Kind">session-started, session-ended, status-changed, inactivity-warning, warning-cleared or preferences-changed.</param>
/// <param name="AgentId">The agent; null for a preferences change.</param>
public sealed record WorkSessionEvent(long Position, Guid EventId, DateTimeOffset At, string Kind, string? AgentId);
