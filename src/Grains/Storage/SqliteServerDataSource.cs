using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace WorkSessions.Storage;

/// <summary>
/// Opens Microsoft.Data.Sqlite connections set up for a server. The Orleans ADO.NET providers accept a
/// <see cref="DbDataSource"/> and open every connection through it, so this is the one place the per-connection
/// settings are applied:
/// <list type="bullet">
/// <item><c>synchronous = NORMAL</c>: in WAL mode a commit survives a crash of the process (not of the machine)
/// and writes roughly double in speed.</item>
/// <item><c>busy_timeout</c>: a second process writing to the same file (another silo host, <c>migrate</c>) makes
/// this one wait for its lock instead of failing at once.</item>
/// </list>
/// WAL journaling is a property of the file, switched on once by the migrator.
/// </summary>
internal sealed class SqliteServerDataSource : DbDataSource
{
    private readonly string _connectionString;
    private readonly string _setUpSql;

    public SqliteServerDataSource(string connectionString)
    {
        _connectionString = connectionString;
        var busyTimeout = TimeSpan.FromSeconds(new SqliteConnectionStringBuilder(connectionString).DefaultTimeout);
        _setUpSql = string.Create(
            CultureInfo.InvariantCulture,
            $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL;");
    }

    public override string ConnectionString => _connectionString;

    protected override DbConnection CreateDbConnection() => new SqliteConnection(_connectionString);

    protected override DbConnection OpenDbConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            SetUp(connection);
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

    private void SetUp(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _setUpSql;
        command.ExecuteNonQuery();
    }
}
