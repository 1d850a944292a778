using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using WorkSessions.Reporting;

namespace WorkSessions.Storage;

/// <summary>
/// The database that holds the report tables: the product's own, or with <c>Reporting:ConnectionString</c> one of their
/// own (same provider as <c>Storage:Provider</c>), so that report queries and an outage of the report database never
/// touch grain state, reminders or membership. A separate database is migrated like the main one and gets the whole
/// schema; only its report tables are used.
/// </summary>
internal sealed class ReportDatabase : IAsyncDisposable
{
    private ReportDatabase(WorkSessionsDatabase database, bool isSeparate)
    {
        Database = database;
        IsSeparate = isSeparate;
    }

    public WorkSessionsDatabase Database { get; }

    /// <summary>True when the report tables are in a database of their own, which this instance owns.</summary>
    public bool IsSeparate { get; }

    /// <summary>The options of a separate report database, or null when the report tables share the main one.</summary>
    /// <exception cref="OptionsValidationException">When <c>Reporting:ConnectionString</c> is unusable.</exception>
    public static StorageOptions? SeparateOptions(IConfiguration configuration, StorageOptions storage)
    {
        var connectionString = configuration.GetSection(ReportingOptions.SectionName)[nameof(ReportingOptions.ConnectionString)];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        var options = new StorageOptions
        {
            Provider = storage.Provider,
            ConnectionString = connectionString,
            MigrationLockTimeout = storage.MigrationLockTimeout,
        };
        var result = new StorageOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(
                Options.DefaultName, typeof(ReportingOptions),
                [.. result.Failures.Select(failure => "Reporting:ConnectionString: " + failure.Replace("Storage:ConnectionString", "it", StringComparison.Ordinal))]);
        }

        return options;
    }

    public static ReportDatabase Create(WorkSessionsDatabase main, StorageOptions? separate) =>
        separate is null ? new ReportDatabase(main, isSeparate: false) : new ReportDatabase(WorkSessionsDatabase.Open(separate), isSeparate: true);

    public ValueTask DisposeAsync() => IsSeparate ? Database.DisposeAsync() : ValueTask.CompletedTask;
}
