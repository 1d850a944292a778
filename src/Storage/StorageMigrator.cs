using System.Reflection;
using DbUp;
using DbUp.Builder;
using DbUp.Engine.Output;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace WorkSessions.Storage;

/// <summary>
/// Applies the SQL scripts embedded under <c>src/Storage/Migrations/{sqlite|postgres}</c> with DbUp, in name order,
/// each in its own transaction, recording them in DbUp's journal table. Add a schema change as a new script
/// with the next number in both folders; never edit a script that has shipped.
/// </summary>
/// <remarks>
/// DbUp itself does not guard against two processes migrating at once, so the whole run holds a lock:
/// a session-level advisory lock on PostgreSQL (per database), an exclusive lock on a file next to the
/// SQLite database (SQLite has no lock that would not also block the migration's own connections).
/// </remarks>
internal sealed partial class StorageMigrator(WorkSessionsDatabase database, ILogger logger)
{
    internal const string ResourcePrefix = "WorkSessions.Storage.Migrations.";

    // Any fixed number; advisory locks are scoped to the database, so unrelated databases do not contend.
    private const long PostgresLockKey = 0x57534D4947524154; // "WSMIGRAT"

    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The embedded scripts for a provider, in the order they apply.</summary>
    internal static IReadOnlyList<string> ScriptNames(StorageProvider provider)
    {
        var prefix = Prefix(provider);
        return [.. typeof(StorageMigrator).Assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var held = database.Provider == StorageProvider.Postgres
            ? await LockPostgresAsync(cancellationToken)
            : await LockSqliteFileAsync(cancellationToken);

        // DbUp is synchronous; keep it off the caller's thread (a silo's start-up runs on its scheduler).
        await Task.Run(Upgrade, cancellationToken);
    }

    private void Upgrade()
    {
        UpgradeEngineBuilder builder;
        if (database.Provider == StorageProvider.Postgres)
        {
            builder = DeployChanges.To.PostgresqlDatabase(database.ConnectionString);
        }
        else
        {
            EnableWriteAheadLog();
            builder = DeployChanges.To.SqliteDatabase(database.ConnectionString);
        }

        var prefix = Prefix(database.Provider);
        var engine = builder
            .WithScriptsEmbeddedInAssembly(typeof(StorageMigrator).Assembly, name => name.StartsWith(prefix, StringComparison.Ordinal))
            .WithTransactionPerScript()
            .WithVariablesDisabled()
            .LogTo(new QuietUpgradeLog(logger))
            .Build();

        var result = engine.PerformUpgrade();
        if (!result.Successful)
        {
            throw new InvalidOperationException(
                $"Applying the schema migration '{result.ErrorScript?.Name}' to the {database.Provider} database failed: {result.Error?.Message}",
                result.Error);
        }

        foreach (var script in result.Scripts)
        {
            LogApplied(logger, database.Provider, script.Name);
        }

        LogUpToDate(logger, database.Provider, result.Scripts.Count());
    }

    /// <summary>
    /// WAL lets readers continue while one connection writes, which a server with several grains writing needs.
    /// The mode is stored in the file, so setting it once (outside any transaction) is enough.
    /// </summary>
    private void EnableWriteAheadLog()
    {
        using var connection = (SqliteConnection)database.DataSource.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            LogNoWriteAheadLog(logger, database.SqliteFile, mode);
        }
    }

    private async Task<IAsyncDisposable> LockPostgresAsync(CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)await database.DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using (var command = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
            {
                command.CommandTimeout = (int)Math.Ceiling(database.MigrationLockTimeout.TotalSeconds);
                command.Parameters.AddWithValue("key", PostgresLockKey);
                try
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                catch (NpgsqlException exception) when (exception.InnerException is TimeoutException)
                {
                    throw new TimeoutException(
                        $"Waited {database.MigrationLockTimeout} for another process to finish migrating the PostgreSQL database; "
                        + "look for a stuck 'migrate' or silo start-up (pg_locks, locktype 'advisory').",
                        exception);
                }
            }

            return new PostgresLock(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task<IAsyncDisposable> LockSqliteFileAsync(CancellationToken cancellationToken)
    {
        // Never deleted: removing a lock file another process is waiting on would let two of them in.
        var path = database.SqliteFile + ".migrations.lock";
        // Waiting on another process is infrastructure time, on the monotonic clock.
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock) on Unix, a sharing lock on Windows.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (TimeProvider.System.GetElapsedTime(started) < database.MigrationLockTimeout)
            {
                await Task.Delay(LockPollInterval, cancellationToken);
            }
            catch (IOException exception)
            {
                throw new TimeoutException(
                    $"Waited {database.MigrationLockTimeout} for another process to finish migrating {database.SqliteFile} "
                    + $"(it holds {path}).",
                    exception);
            }
        }
    }

    private static string Prefix(StorageProvider provider) =>
        ResourcePrefix + (provider == StorageProvider.Postgres ? "postgres." : "sqlite.");

    private sealed class PostgresLock(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                command.Parameters.AddWithValue("key", PostgresLockKey);
                await command.ExecuteNonQueryAsync();
            }
            finally
            {
                // Closing the session releases the lock too, should the unlock have failed.
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>DbUp narrates every step at information level; keep that for debugging and report only the outcome.</summary>
    private sealed class QuietUpgradeLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => logger.Log(LogLevel.Trace, format, args);

        public void LogDebug(string format, params object[] args) => logger.Log(LogLevel.Debug, format, args);

        public void LogInformation(string format, params object[] args) => logger.Log(LogLevel.Debug, format, args);

        public void LogWarning(string format, params object[] args) => logger.Log(LogLevel.Warning, format, args);

        public void LogError(string format, params object[] args) => logger.Log(LogLevel.Error, format, args);

        public void LogError(Exception ex, string format, params object[] args) => logger.Log(LogLevel.Error, ex, format, args);
    }

    [LoggerMessage(LogLevel.Information, "Applied {Provider} migration {Script}")]
    private static partial void LogApplied(ILogger logger, StorageProvider provider, string script);

    [LoggerMessage(LogLevel.Information, "{Provider} schema is up to date ({Applied} migrations applied now)")]
    private static partial void LogUpToDate(ILogger logger, StorageProvider provider, int applied);

    [LoggerMessage(LogLevel.Warning, "SQLite file {File} stays in journal mode {Mode}: WAL could not be enabled, so reads wait for writes")]
    private static partial void LogNoWriteAheadLog(ILogger logger, string? file, string? mode);
}
