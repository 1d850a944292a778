using System.ComponentModel.DataAnnotations;

namespace WorkSessions.Gateway.Hosting;

/// <summary>HTTP-side settings, bound from the <c>Gateway</c> section.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Sustained heartbeats an agent may send per minute before getting 429.</summary>
    [Range(1, 6000)]
    public int HeartbeatsPerMinute { get; set; } = 60;

    /// <summary>Heartbeats an agent may send at once.</summary>
    [Range(1, 1000)]
    public int HeartbeatBurst { get; set; } = 10;

    /// <summary>
    /// Sustained state-changing calls (every POST, PUT and DELETE without a policy of its own, such as starting, ending,
    /// continuing, setting a status, a supervisor's end or a preferences update) one user (tenant + sub) may make per
    /// minute before getting 429. Each costs a storage write.
    /// </summary>
    [Range(1, 60000)]
    public int WritesPerMinute { get; set; } = 60;

    /// <summary>State-changing calls one user may make at once.</summary>
    [Range(1, 10000)]
    public int WriteBurst { get; set; } = 20;

    /// <summary>
    /// Event streams one agent may hold open on one Gateway; opening another closes the oldest with a
    /// <c>stream-closed</c> event (reason <c>superseded</c>).
    /// </summary>
    [Range(1, 100)]
    public int MaxEventStreamsPerAgent { get; set; } = 5;

    /// <summary>Connections Kestrel accepts at once (every open event stream holds one).</summary>
    [Range(1, 1_000_000)]
    public long MaxConcurrentConnections { get; set; } = 20_000;

    /// <summary>The total size of a request's headers; larger requests get 431.</summary>
    [Range(4096, 1_048_576)]
    public int MaxRequestHeadersTotalSize { get; set; } = 16 * 1024;

    /// <summary>Headers one request may carry; more get 431.</summary>
    [Range(8, 1000)]
    public int MaxRequestHeaderCount { get; set; } = 50;

    /// <summary>How long a client may take to send its request headers (slow-loris protection).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often an idle event stream sends a comment line.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan EventStreamKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long data the Gateway sent may stay unacknowledged before it aborts the connection, and how long a connection
    /// with nothing to send may stay silent to keep-alive probes (Linux; docs/architecture.md#client-presence). It is how
    /// a client that vanished without closing its connection (asleep, off the network) is noticed: its event stream's
    /// next keep-alive comment goes unanswered. The default, the shortest <c>clientGoneSeconds</c>, notices one within
    /// this plus <see cref="EventStreamKeepAlive"/>; a live network silent that long costs a reconnect. At least 5 s;
    /// <c>00:00:00</c> leaves it to the operating system (about 15 minutes).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan DeadConnectionTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often this Gateway renews its presence lease (docs/architecture.md#client-presence): one call per Gateway,
    /// whatever the number of streams it holds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan PresenceLeaseRenewal { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long this Gateway's streams count as open without a renewal: after a Gateway dies, its agents' clients count
    /// as gone since its last renewal once this much has passed. At least twice <see cref="PresenceLeaseRenewal"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:05:00")]
    public TimeSpan PresenceLease { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often a caught-up <c>text/event-stream</c> reader of the tenant's feed (<c>GET /events</c>) asks the report
    /// tables for new events: the feed's added latency, against one small query per open stream and interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan EventFeedPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The largest request body accepted.</summary>
    [Range(1024, 1048576)]
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024;
}
