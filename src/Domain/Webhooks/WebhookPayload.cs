using System.Text.Json;
using System.Text.Json.Serialization;
using WorkSessions.Contracts.Reports;

namespace WorkSessions.Webhooks;

/// <summary>The body of a delivery: the feed event as <c>GET /events</c> shows it (DESIGN §7), camelCase, enums as camelCase names.</summary>
internal static class WebhookPayload
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    public static string Serialize(FeedEvent feedEvent) => JsonSerializer.Serialize(feedEvent, Json);
}
