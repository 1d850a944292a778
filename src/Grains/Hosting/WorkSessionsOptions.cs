using System.ComponentModel.DataAnnotations;

namespace WorkSessions.Hosting;

/// <summary>Silo-side settings, bound from the <c>WorkSessions</c> configuration section.</summary>
public sealed class WorkSessionsOptions
{
    public const string SectionName = "WorkSessions";

    /// <summary>The smallest inactivity timeout an admin may set; lower it for demos and tests.</summary>
    [Range(1, 60)]
    public int MinimumInactivityTimeoutSeconds { get; set; } = 60;

    /// <summary>The smallest grace period an admin may set; lower it for demos and tests.</summary>
    [Range(1, 30)]
    public int MinimumGracePeriodSeconds { get; set; } = 30;

    /// <summary>
    /// How often, at most, an agent grain writes its last activity time while heartbeats keep arriving.
    /// Heartbeats themselves never write; after an outage the activation counts as activity anyway.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ActivityCheckpointInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The period of the durable reminder that wakes an agent grain with an open auto-end session (Orleans' minimum is one minute).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan WakeUpReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long the tenant grain collects roster changes before writing them. Agents re-announce open sessions
    /// when they activate, so a roster change lost with a silo only lasts until then.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RosterWriteDelay { get; set; } = TimeSpan.FromSeconds(5);

    public Domain.PreferenceRules PreferenceRules => new(MinimumInactivityTimeoutSeconds, MinimumGracePeriodSeconds);
}
