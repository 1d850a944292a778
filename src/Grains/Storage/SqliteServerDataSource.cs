using System.Data;
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
/// <para>
/// With a <see cref="SqliteWriter"/> (the data source of the Orleans providers), a write executed asynchronously
/// outside a transaction goes to the writer's thread and completes when its transaction has committed; reads and
/// synchronous calls run on the caller's pooled connection as before (WAL lets readers run beside the writer).
/// </para>
/// </summary>
internal sealed class SqliteServerDataSource : DbDataSource
{
    private readonly string _connectionString;
    private readonly string _setUpSql;

    public SqliteServerDataSource(string connectionString, bool withWriter = false)
    {
        _connectionString = connectionString;
        var busyTimeout = TimeSpan.FromSeconds(new SqliteConnectionStringBuilder(connectionString).DefaultTimeout);
        _setUpSql = string.Create(
            CultureInfo.InvariantCulture,
            $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL;");
        Writer = withWriter ? new SqliteWriter(connectionString, _setUpSql) : null;
    }

    public override string ConnectionString => _connectionString;

    /// <summary>The writer this data source's connections queue their writes to, if any.</summary>
    public SqliteWriter? Writer { get; }

    protected override DbConnection CreateDbConnection() =>
        Writer is null ? new SqliteConnection(_connectionString) : new WriterConnection(this);

    protected override DbConnection OpenDbConnection()
    {
        var connection = (SqliteConnection)CreateDbConnection();
        try
        {
            OpenAndSetUp(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    // Microsoft.Data.Sqlite has no truly asynchronous I/O: its async methods complete synchronously. A connection
    // that queues its writes opens only when a read needs it: a write never touches the pool.
    protected override ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Writer is null ? OpenDbConnection() : CreateDbConnection());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Writer?.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override ValueTask DisposeAsyncCore()
    {
        // Joining the writer's thread waits for the writes already queued: off the caller's thread.
        return Writer is { } writer ? new ValueTask(Task.Run(writer.Dispose)) : ValueTask.CompletedTask;
    }

    private void OpenAndSetUp(SqliteConnection connection)
    {
        if (connection.State == ConnectionState.Open)
        {
            return;
        }

        connection.Open();
        try
        {
            using var command = new SqliteCommand(_setUpSql, connection);
            command.ExecuteNonQuery();
        }
        catch
        {
            connection.Close();
            throw;
        }
    }

    /// <summary>A SQLite connection (the Orleans providers check the type) whose commands may queue to the writer.</summary>
    private sealed class WriterConnection(SqliteServerDataSource source) : SqliteConnection(source._connectionString)
    {
        public SqliteServerDataSource Source => source;

        public void EnsureOpen() => source.OpenAndSetUp(this);

        public override SqliteCommand CreateCommand() => new WriterCommand
        {
            Connection = this,
            CommandTimeout = DefaultTimeout,
            Transaction = Transaction,
        };

        protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel)
        {
            EnsureOpen();
            return base.BeginDbTransaction(isolationLevel);
        }
    }

    /// <summary>
    /// Executed asynchronously outside a transaction, a command that can write goes to the writer; anything else runs
    /// here as Microsoft.Data.Sqlite runs it. Only a command whose text starts with SELECT counts as a read. Either way its
    /// parameters first get the names its statement uses (<see cref="SqliteParameterNames"/>).
    /// </summary>
    private sealed class WriterCommand : SqliteCommand
    {
        protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
        {
            SqliteParameterNames.Qualify(this);
            if (QueuedWriter() is not { } writer)
            {
                EnsureOpen();
                return await base.ExecuteDbDataReaderAsync(behavior, cancellationToken);
            }

            var result = await writer.ExecuteAsync(this, behavior, cancellationToken);
            var connection = Connection;
            return new BufferedDataReader(result, (behavior & CommandBehavior.CloseConnection) != 0 ? () => connection?.Close() : null);
        }

        public override async Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken)
        {
            SqliteParameterNames.Qualify(this);
            if (QueuedWriter() is not { } writer)
            {
                EnsureOpen();
                return await base.ExecuteNonQueryAsync(cancellationToken);
            }

            return (await writer.ExecuteAsync(this, CommandBehavior.Default, cancellationToken)).RecordsAffected;
        }

        public override async Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken)
        {
            SqliteParameterNames.Qualify(this);
            if (QueuedWriter() is not { } writer)
            {
                EnsureOpen();
                return await base.ExecuteScalarAsync(cancellationToken);
            }

            return (await writer.ExecuteAsync(this, CommandBehavior.Default, cancellationToken)).Scalar;
        }

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior)
        {
            SqliteParameterNames.Qualify(this);
            EnsureOpen();
            return base.ExecuteDbDataReader(behavior);
        }

        public override int ExecuteNonQuery()
        {
            SqliteParameterNames.Qualify(this);
            EnsureOpen();
            return base.ExecuteNonQuery();
        }

        public override object? ExecuteScalar()
        {
            SqliteParameterNames.Qualify(this);
            EnsureOpen();
            return base.ExecuteScalar();
        }

        private SqliteWriter? QueuedWriter() =>
            Connection is WriterConnection { Source.Writer: { } writer } && Transaction is null && !IsRead(CommandText) ? writer : null;

        private void EnsureOpen() => (Connection as WriterConnection)?.EnsureOpen();

        private static bool IsRead(string text)
        {
            var start = text.AsSpan().TrimStart();
            return start.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase);
        }
    }
}
