using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace WorkSessions.Storage;

/// <summary>
/// The product's database as the configuration names it: the connection source every provider of a process shares,
/// on SQLite the one writer thread, and the schema migrations. One per process; disposing it closes pooled connections.
/// </summary>
public sealed class WorkSessionsDatabase : IAsyncDisposable, IDisposable
{
    /// <summary>
    /// The Orleans invariant for SQLite. Orleans maps it to Microsoft.Data.Sqlite's factory; the name
    /// "Microsoft.Data.Sqlite" itself is not a known invariant.
    /// </summary>
    public const string SqliteInvariant = "System.Data.SQLite";

    /// <summary>The Orleans invariant for PostgreSQL.</summary>
    public const string PostgresInvariant = "Npgsql";

    private readonly Lazy<SqliteWriter>? _writer;

    /// <summary>
    /// How the connections of <see cref="ClusterDataSource"/> name themselves to PostgreSQL (<c>pg_stat_activity</c>),
    /// after the configured <c>Application Name</c>, if any.
    /// </summary>
    public const string ClusterApplicationName = "worksessions-cluster";

    // Membership and reminders need a few connections at a time; the pool's size bounds what they take from the server.
    internal const int ClusterPoolSize = 10;

    private WorkSessionsDatabase(StorageOptions options, string connectionString, DbDataSource dataSource, string? sqliteFile, DbDataSource? clusterDataSource = null)
    {
        Provider = options.Kind;
        MigrationLockTimeout = options.MigrationLockTimeout;
        ConnectionString = connectionString;
        DataSource = dataSource;
        ClusterDataSource = clusterDataSource ?? dataSource;
        SqliteFile = sqliteFile;
        _writer = dataSource is SqliteDataSource sqlite ? new Lazy<SqliteWriter>(() => new SqliteWriter(sqlite)) : null;
    }

    /// <summary>Which database this is.</summary>
    public StorageProvider Provider { get; }

    /// <summary>The ADO.NET invariant name the Orleans providers are configured with (on PostgreSQL).</summary>
    public string Invariant => Provider == StorageProvider.Postgres ? PostgresInvariant : SqliteInvariant;

    /// <summary>The effective connection string (for SQLite, with the file's full path).</summary>
    public string ConnectionString { get; }

    /// <summary>
    /// How many agent state writes a silo has in flight at once when <c>WorkSessions:MaxConcurrentStateWrites</c> is unset
    /// (the grains' StateWriteGate, docs/architecture.md#storage): half of PostgreSQL's connection pool, so membership,
    /// reminders, reads and the report writer always find a connection; 0, no bound, on SQLite, whose writer thread
    /// queues every write anyway.
    /// </summary>
    public static int DefaultStateWriteLimit(WorkSessionsDatabase? database) =>
        database?.Provider == StorageProvider.Postgres
            ? Math.Max(1, new NpgsqlConnectionStringBuilder(database.ConnectionString).MaxPoolSize / 2)
            : 0;

    /// <summary>Opens connections set up for this database; share it rather than opening connections by string.</summary>
    public DbDataSource DataSource { get; }

    /// <summary>
    /// On PostgreSQL, a pool of its own for the cluster's membership table and the reminder table (its connections
    /// named <see cref="ClusterApplicationName"/>): a storm of grain-state writes that takes every connection of
    /// <see cref="DataSource"/> cannot keep a silo from writing that it is alive, nor from reading its reminders
    /// (docs/architecture.md#storage). On SQLite, <see cref="DataSource"/> itself.
    /// </summary>
    public DbDataSource ClusterDataSource { get; }

    /// <summary>
    /// On SQLite, the one thread that writes to the file: grain state, reminders and report batches queue to it and
    /// commit in batches, so no write holds an Orleans thread (docs/architecture.md#storage). Started on first use;
    /// null on PostgreSQL.
    /// </summary>
    internal SqliteWriter? Writer => _writer?.Value;

    /// <summary>
    /// True on SQLite: Microsoft.Data.Sqlite completes its "async" methods synchronously, so a caller that must not wait
    /// on the file's lock runs them on the thread pool.
    /// </summary>
    internal bool CompletesAsyncSynchronously => _writer is not null;

    /// <summary>The full path of the SQLite file, or null on PostgreSQL.</summary>
    public string? SqliteFile { get; }

    internal TimeSpan MigrationLockTimeout { get; }

    /// <summary>Prepares the configured database; for SQLite, creates the file's directory.</summary>
    /// <param name="options">Validated options (see <see cref="StorageOptions.FromConfiguration"/>).</param>
    /// <returns>The database, which the caller disposes.</returns>
    public static WorkSessionsDatabase Open(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kind == StorageProvider.Postgres)
        {
            var connectionString = options.ConnectionString!;
            return new WorkSessionsDatabase(
                options,
                connectionString,
                NpgsqlDataSource.Create(connectionString),
                sqliteFile: null,
                NpgsqlDataSource.Create(ClusterConnectionString(connectionString)));
        }

        var builder = new SqliteConnectionStringBuilder(
            string.IsNullOrWhiteSpace(options.ConnectionString) ? $"Data Source={StorageOptions.DefaultSqliteFile}" : options.ConnectionString);
        var file = Path.GetFullPath(builder.DataSource);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        builder.DataSource = file;
        return new WorkSessionsDatabase(options, builder.ConnectionString, new SqliteDataSource(builder.ConnectionString), file);
    }

    /// <summary>The connection string of <see cref="ClusterDataSource"/> on PostgreSQL: a name and a size of its own.</summary>
    internal static string ClusterConnectionString(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.ApplicationName = string.IsNullOrEmpty(builder.ApplicationName)
            ? ClusterApplicationName
            : $"{builder.ApplicationName} {ClusterApplicationName}";
        builder.MaxPoolSize = Math.Min(builder.MaxPoolSize, ClusterPoolSize);
        builder.MinPoolSize = Math.Min(builder.MinPoolSize, builder.MaxPoolSize);
        return builder.ConnectionString;
    }

    /// <summary>
    /// Applies pending schema migrations. Safe to call from several processes at once: they take turns on a
    /// database lock, and each script runs exactly once.
    /// </summary>
    /// <param name="logger">Receives one line per applied script.</param>
    /// <param name="cancellationToken">Stops waiting for the lock.</param>
    public Task MigrateAsync(ILogger logger, CancellationToken cancellationToken = default) =>
        new StorageMigrator(this, logger).MigrateAsync(cancellationToken);

    /// <summary>Opens the configured database, applies pending migrations and closes it again: the <c>migrate</c> command.</summary>
    /// <param name="options">Validated options (see <see cref="StorageOptions.FromConfiguration"/>).</param>
    /// <param name="logger">Receives one line per applied script.</param>
    /// <param name="cancellationToken">Stops waiting for the lock.</param>
    public static async Task MigrateAsync(StorageOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        await using var database = Open(options);
        await database.MigrateAsync(logger, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is { IsValueCreated: true })
        {
            // Joining the writer's thread waits for the writes already queued: off the caller's thread.
            await Task.Run(_writer.Value.Dispose);
        }

        await DataSource.DisposeAsync();
        if (ClusterDataSource != DataSource)
        {
            await ClusterDataSource.DisposeAsync();
        }

        ClearSqlitePool();
    }

    public void Dispose()
    {
        if (_writer is { IsValueCreated: true })
        {
            _writer.Value.Dispose();
        }

        DataSource.Dispose();
        if (ClusterDataSource != DataSource)
        {
            ClusterDataSource.Dispose();
        }

        ClearSqlitePool();
    }

    private void ClearSqlitePool()
    {
        if (Provider == StorageProvider.Sqlite)
        {
            // Pooled SQLite connections keep the file open (and its WAL files around) until cleared.
            using var connection = new SqliteConnection(ConnectionString);
            SqliteConnection.ClearPool(connection);
        }
    }
}
