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

    /// <summary>How often an idle event stream sends a comment line.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan EventStreamKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The largest request body accepted.</summary>
    [Range(1024, 1048576)]
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024;
}
