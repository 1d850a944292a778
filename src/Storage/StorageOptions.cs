using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace WorkSessions.Storage;

/// <summary>The databases the product runs on.</summary>
public enum StorageProvider
{
    /// <summary>One SQLite file: the embedded, single-node default.</summary>
    Sqlite,

    /// <summary>PostgreSQL: grain state, reminders and cluster membership of a multi-silo cluster.</summary>
    Postgres,
}

/// <summary>Where grain state, reminders and (on PostgreSQL) cluster membership live; bound from the <c>Storage</c> section.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    public const string SqliteName = "sqlite";

    public const string PostgresName = "postgres";

    /// <summary>The SQLite file used when no connection string is configured, relative to the working directory.</summary>
    public const string DefaultSqliteFile = "./data/work-sessions.db";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = SqliteName;

    /// <summary>
    /// A Microsoft.Data.Sqlite or Npgsql connection string. Optional for SQLite (default: a file under
    /// <c>./data</c>), required for PostgreSQL.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>How long a process waits for another one that is applying migrations.</summary>
    public TimeSpan MigrationLockTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The provider this configuration selects; only meaningful once validated.</summary>
    public StorageProvider Kind =>
        string.Equals(Provider?.Trim(), PostgresName, StringComparison.OrdinalIgnoreCase) ? StorageProvider.Postgres : StorageProvider.Sqlite;

    /// <summary>Binds the <c>Storage</c> section and validates it.</summary>
    /// <param name="configuration">The application's configuration.</param>
    /// <returns>The validated options.</returns>
    /// <exception cref="OptionsValidationException">When the provider is unknown or the connection string unusable.</exception>
    public static StorageOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new StorageOptions();
        configuration.GetSection(SectionName).Bind(options);
        var result = new StorageOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(StorageOptions), result.Failures);
        }

        return options;
    }
}

/// <summary>Rejects configurations the storage cannot start with, saying what to change.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var provider = options.Provider?.Trim();
        if (!string.Equals(provider, StorageOptions.SqliteName, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(provider, StorageOptions.PostgresName, StringComparison.OrdinalIgnoreCase))
        {
            return ValidateOptionsResult.Fail(
                $"Storage:Provider is '{options.Provider}', which is not a storage provider. Use '{StorageOptions.SqliteName}' "
                + $"(the default: one file, {StorageOptions.DefaultSqliteFile} unless Storage:ConnectionString says otherwise) "
                + $"or '{StorageOptions.PostgresName}' (with Storage:ConnectionString set to an Npgsql connection string).");
        }

        if (options.MigrationLockTimeout <= TimeSpan.Zero)
        {
            return ValidateOptionsResult.Fail("Storage:MigrationLockTimeout must be positive.");
        }

        if (options.Kind == StorageProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                return ValidateOptionsResult.Fail(
                    "Storage:Provider is 'postgres' but Storage:ConnectionString is empty; set it to an Npgsql connection string, "
                    + "e.g. 'Host=127.0.0.1;Port=5432;Database=work_sessions;Username=work_sessions;Password=…'.");
            }

            return TryParse(() => new NpgsqlConnectionStringBuilder(options.ConnectionString), "Npgsql");
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Success;
        }

        var sqlite = TryParse(() => new SqliteConnectionStringBuilder(options.ConnectionString), "Microsoft.Data.Sqlite");
        if (sqlite.Failed)
        {
            return sqlite;
        }

        var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource)
            || builder.DataSource.Trim() == ":memory:"
            || builder.Mode == SqliteOpenMode.Memory)
        {
            return ValidateOptionsResult.Fail(
                "Storage:ConnectionString must name a SQLite file (e.g. 'Data Source=./data/work-sessions.db'): "
                + "an in-memory database would lose every session on restart.");
        }

        if (builder.Mode == SqliteOpenMode.ReadOnly)
        {
            return ValidateOptionsResult.Fail("Storage:ConnectionString opens the SQLite file read-only; the product writes to it.");
        }

        return ValidateOptionsResult.Success;
    }

    private static ValidateOptionsResult TryParse(Func<DbConnectionStringBuilder> parse, string driver)
    {
        try
        {
            parse();
            return ValidateOptionsResult.Success;
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or KeyNotFoundException)
        {
            return ValidateOptionsResult.Fail($"Storage:ConnectionString is not a valid {driver} connection string: {exception.Message}");
        }
    }
}
