using System.ComponentModel.DataAnnotations;

namespace WorkSessions.Reporting;

/// <summary>Settings of the report tables and their delivery, bound from the <c>Reporting</c> configuration section.</summary>
public sealed class ReportingOptions : IValidatableObject
{
    public const string SectionName = "Reporting";

    /// <summary>
    /// Optional: a database of their own for the report tables (same provider as <c>Storage:Provider</c>), so report
    /// queries and an outage of it never touch grain state. Empty: the report tables share the main database.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Events and finished sessions older than this many days are purged once a day.</summary>
    [Range(1, 36500)]
    public int RetentionDays { get; set; } = 400;

    /// <summary>How often the purge runs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// The most undelivered events one grain keeps while the report tables are unreachable. Beyond it the oldest are
    /// dropped (counted in <c>worksessions.reporting.outbox.dropped</c> and logged): a long outage must not grow a grain
    /// without limit. At a few dozen events per agent per shift the default covers weeks.
    /// </summary>
    [Range(10, 1_000_000)]
    public int OutboxCapacity { get; set; } = 1000;

    /// <summary>The most events one insert transaction carries.</summary>
    [Range(1, 10_000)]
    public int MaxBatchSize { get; set; } = 500;

    /// <summary>
    /// The most events waiting in a silo's delivery queue. Beyond it grains keep their events in their own outbox and
    /// hand them over again at their next wake-up, so a long outage costs no memory beyond it.
    /// </summary>
    [Range(100, 10_000_000)]
    public int DeliveryQueueCapacity { get; set; } = 100_000;

    /// <summary>The first pause after a failed delivery; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest pause between delivery attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>One grain's whole outbox must fit the delivery queue, or a full outbox could never be handed over.</summary>
    /// <param name="validationContext">Unused.</param>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (OutboxCapacity > DeliveryQueueCapacity)
        {
            yield return new ValidationResult(
                $"Reporting:OutboxCapacity ({OutboxCapacity}) must not exceed Reporting:DeliveryQueueCapacity ({DeliveryQueueCapacity}).",
                [nameof(OutboxCapacity), nameof(DeliveryQueueCapacity)]);
        }
    }
}
