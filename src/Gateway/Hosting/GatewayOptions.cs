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

    /// <summary>How often an idle event stream sends a comment line.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan EventStreamKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The largest request body accepted.</summary>
    [Range(1024, 1048576)]
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024;
}
