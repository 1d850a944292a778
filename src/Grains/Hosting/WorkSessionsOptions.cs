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

    /// <summary>
    /// The period of each wake shard's durable reminder (Orleans' minimum is one minute): a shard lost with its silo is
    /// back within failure detection plus this, and checks every member it holds (docs/architecture.md#timers-and-reminders).
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan WakeUpReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many agents the tenant grain pushes a preference change to at once. The push runs after the admin's call has
    /// answered; a bound keeps a 50,000-agent tenant from flooding the silo with calls (and storage with the writes of
    /// the transitions a change causes).
    /// </summary>
    [Range(1, 10_000)]
    public int PreferencePushConcurrency { get; set; } = 128;

    /// <summary>
    /// How many agent state writes a silo has in flight at once; the rest queue in the process. Unset: half of
    /// PostgreSQL's connection pool (Npgsql's <c>Maximum Pool Size</c>, 100 by default), and no bound on SQLite, whose
    /// writer thread queues every write anyway (docs/architecture.md#storage).
    /// </summary>
    [Range(1, 100_000)]
    public int? MaxConcurrentStateWrites { get; set; }

    /// <summary>
    /// The longest the write of a prompt or an auto-end that a deadline made waits while the silo has other work queued,
    /// so that in a deadline storm every due deadline is decided before the writes take the CPU
    /// (docs/architecture.md#deadline-writes-go-last). Zero: such writes go at once, as any other.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan DeadlineWriteDelayLimit { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many wake shards share the agents (docs/architecture.md#timers-and-reminders): each is one grain with one
    /// reminder. The shards' keys carry the count, so silos configured differently never share a shard.
    /// </summary>
    [Range(1, 65_536)]
    public int WakeShards { get; set; } = 256;

    /// <summary>How often a wake shard looks for members on a silo that is gone, or away with a deadline or undelivered events.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan WakeScanPeriod { get; set; } = TimeSpan.FromSeconds(10);

    public Domain.PreferenceRules PreferenceRules => new(MinimumInactivityTimeoutSeconds, MinimumGracePeriodSeconds);
}
