using System.ComponentModel.DataAnnotations;
using WorkSessions.Webhooks;

namespace WorkSessions.Hosting;

/// <summary>Webhook delivery settings, bound from the <c>Webhooks</c> configuration section (docs/architecture.md#webhooks).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    private static readonly TimeSpan[] DefaultRetryDelays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10),
        TimeSpan.FromMinutes(30), TimeSpan.FromHours(1),
    ];

    /// <summary>
    /// Hosts (names or address literals) that may use <c>http</c> and private or loopback addresses even when
    /// <see cref="PublicHttpsOnly"/> applies: an integration inside the company's network.
    /// </summary>
    public string[] AllowedHosts { get; set; } = [];

    /// <summary>Only <c>https</c> and public addresses (besides <see cref="AllowedHosts"/>); unset: true outside Development.</summary>
    public bool? PublicHttpsOnly { get; set; }

    /// <summary>
    /// The delays before the first, second, … retry of a failed event; the last one repeats until <see cref="RetryWindow"/>
    /// is over. Unset: 5 s, 30 s, 2 min, 10 min, 30 min, then every hour.
    /// </summary>
    public TimeSpan[]? RetryDelays { get; set; }

    /// <summary>How long one event is retried from its first failure before the endpoint is <c>failing</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "7.00:00:00")]
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a receiver has to answer with a 2xx.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the previous secret keeps signing alongside a rotated one.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often an idle deliverer looks for new events besides being woken when they are stored.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often, at most, a deliverer stores its position while events flow; a restart repeats at most the events
    /// delivered since (same <c>webhook-id</c>), never skips one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan PositionWriteInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Delivery attempts each endpoint keeps for <c>GET /webhooks/{id}/deliveries</c>, newest kept.</summary>
    [Range(1, 1000)]
    public int DeliveryLogSize { get; set; } = 100;

    /// <summary>The period of the reminder that brings an enabled endpoint's deliverer back after a lost silo or a restart.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    internal RetrySchedule Schedule => new(RetryDelays is { Length: > 0 } delays ? delays : DefaultRetryDelays, RetryWindow);

    internal WebhookUrlRules UrlRules => new(PublicHttpsOnly ?? true, AllowedHosts);
}
