using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace WorkSessions.Storage;

/// <summary>
/// The database that holds the report tables: the product's own, or with <c>Reporting:ConnectionString</c> one of their
/// own (same provider as <c>Storage:Provider</c>), so that report queries and an outage of the report database never
/// touch grain state, reminders or membership. A separate database is migrated like the main one and gets the whole
/// schema; only its report tables are used.
/// </summary>
internal sealed class ReportDatabase : IAsyncDisposable
{
    // The key of the grains' ReportingOptions (WorkSessions.Reporting) that names a database of the report tables' own.
    private const string ConnectionStringKey = "Reporting:ConnectionString";

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
        var connectionString = configuration[ConnectionStringKey];
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
                Options.DefaultName, typeof(ReportDatabase),
                [.. result.Failures.Select(failure => "Reporting:ConnectionString: " + failure.Replace("Storage:ConnectionString", "it", StringComparison.Ordinal))]);
        }

        return options;
    }

    public static ReportDatabase Create(WorkSessionsDatabase main, StorageOptions? separate) =>
        separate is null ? new ReportDatabase(main, isSeparate: false) : new ReportDatabase(WorkSessionsDatabase.Open(separate), isSeparate: true);

    private readonly CancellationTokenSource _stopping = new();
    private Task _migration = Task.CompletedTask;

    /// <summary>
    /// Migrates a separate report database in the background, retrying until it succeeds: a report database that is down
    /// when a silo starts delays reports (delivery retries meanwhile) and must not keep the silo from starting.
    /// </summary>
    public void StartMigrating(ILogger logger)
    {
        if (!IsSeparate)
        {
            return;
        }

        var stopping = _stopping.Token;
        _migration = Task.Run(async () =>
        {
            var delay = TimeSpan.FromSeconds(1);
            while (true)
            {
                try
                {
                    await Database.MigrateAsync(logger, stopping);
                    return;
                }
                catch (Exception exception) when (!stopping.IsCancellationRequested)
                {
                    logger.LogWarning(exception, "The report database could not be migrated; retrying in {RetryIn}", delay);
                    await Task.Delay(delay, stopping);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                }
            }
        }, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _migration;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
        if (IsSeparate)
        {
            await Database.DisposeAsync();
        }
    }
}
