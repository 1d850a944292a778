using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace WorkSessions.Storage;

/// <summary>
/// Opens Microsoft.Data.Sqlite connections set up for a server: the connections of every reader, of the migrator and
/// of the report store (the <see cref="SqliteWriter"/> applies the same settings to its own). Per connection:
/// <list type="bullet">
/// <item><c>synchronous = NORMAL</c>: in WAL mode a commit survives a crash of the process (not of the machine)
/// and writes roughly double in speed.</item>
/// <item><c>busy_timeout</c>: a second process writing to the same file (another silo host, <c>migrate</c>) makes
/// this one wait for its lock instead of failing at once.</item>
/// </list>
/// WAL journaling is a property of the file, switched on once by the migrator.
/// </summary>
internal sealed class SqliteDataSource(string connectionString) : DbDataSource
{
    public override string ConnectionString => connectionString;

    /// <summary>The statements that set a new connection up, run once per physical connection.</summary>
    public string SetUpSql { get; } = string.Create(
        CultureInfo.InvariantCulture,
        $"PRAGMA busy_timeout = {(long)TimeSpan.FromSeconds(new SqliteConnectionStringBuilder(connectionString).DefaultTimeout).TotalMilliseconds}; PRAGMA synchronous = NORMAL;");

    /// <summary>Opens a pooled connection and applies <see cref="SetUpSql"/> to it.</summary>
    public SqliteConnection OpenSqliteConnection() => (SqliteConnection)OpenDbConnection();

    protected override DbConnection CreateDbConnection() => new SqliteConnection(connectionString);

    protected override DbConnection OpenDbConnection()
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var command = new SqliteCommand(SetUpSql, connection);
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    // Microsoft.Data.Sqlite has no truly asynchronous I/O: its async methods complete synchronously.
    protected override ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(OpenDbConnection());
    }
}
