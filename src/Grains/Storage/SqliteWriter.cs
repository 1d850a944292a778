using System.Collections.Concurrent;
using System.Data;
using Microsoft.Data.Sqlite;

namespace WorkSessions.Storage;

/// <summary>
/// The one thread that writes to a SQLite file for this process (docs/architecture.md#storage). Microsoft.Data.Sqlite
/// runs every command synchronously, even through its async methods: a write executed by its caller holds that
/// thread (an Orleans scheduler or thread-pool thread) for as long as SQLite takes, and callers on several threads
/// queue on SQLite's single write lock by sleeping in its busy handler. Here callers queue their commands instead and
/// await them; this thread takes whatever has queued up (up to <see cref="MaxBatchSize"/>), runs it in one transaction
/// with a savepoint per command, commits, and only then completes each caller's task — so a completed write is a
/// committed one, and a command that fails rolls back to its savepoint and fails only its own caller.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    /// <summary>The most commands one transaction holds: a bound on how long a commit keeps readers of the WAL waiting for a checkpoint.</summary>
    public const int MaxBatchSize = 256;

    // A handful of distinct statements (the Orleans providers' queries): each stays prepared on the writer's connection.
    private const int MaxCachedStatements = 64;

    private readonly string _connectionString;
    private readonly string _setUpSql;
    private readonly BlockingCollection<WriteRequest> _queue = new(new ConcurrentQueue<WriteRequest>());
    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);
    private readonly Thread _thread;
    private SqliteConnection? _connection;
    private SqliteCommand? _begin;
    private SqliteCommand? _commit;
    private SqliteCommand? _rollback;
    private SqliteCommand? _savepoint;
    private SqliteCommand? _release;
    private SqliteCommand? _rollbackToSavepoint;
    private long _transactions;
    private long _commands;
    private int _disposed;

    public SqliteWriter(string connectionString, string setUpSql)
    {
        _connectionString = connectionString;
        _setUpSql = setUpSql;
        _thread = new Thread(Run) { IsBackground = true, Name = "WorkSessions SQLite writer" };
        _thread.Start();
    }

    /// <summary>Transactions committed (or attempted) so far: fewer than <see cref="Commands"/> when writes arrive together.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Commands run so far.</summary>
    public long Commands => Interlocked.Read(ref _commands);

    /// <summary>
    /// Queues a command and completes once the transaction holding it has committed, with its whole result read.
    /// The command's text and parameters are used on the writer's thread; the caller leaves them alone until then.
    /// Cancelled before the writer took it, it never runs; once taken, it runs to its end.
    /// </summary>
    public Task<BufferedResult> ExecuteAsync(SqliteCommand command, CommandBehavior behavior, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<BufferedResult>(cancellationToken);
        }

        var request = new WriteRequest(command, behavior, cancellationToken);
        try
        {
            _queue.Add(request, CancellationToken.None);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ObjectDisposedException)
        {
            return Task.FromException<BufferedResult>(new ObjectDisposedException(nameof(SqliteWriter), "The SQLite writer has stopped."));
        }

        return request.Completion.Task;
    }

    /// <summary>
    /// Queues a unit of work of several statements (the report store's batch) that commits with the writes around it, in
    /// a savepoint of its own: all of it or none of it is stored, and it never waits for SQLite's write lock against this
    /// writer. <paramref name="work"/> runs on the writer's thread with no transaction object (the writer's transaction is
    /// open) and must complete synchronously, as Microsoft.Data.Sqlite's own asynchronous methods do.
    /// </summary>
    public Task RunAsync(Func<SqliteConnection, Task> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var request = new WriteRequest(work, cancellationToken);
        try
        {
            _queue.Add(request, CancellationToken.None);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ObjectDisposedException)
        {
            return Task.FromException(new ObjectDisposedException(nameof(SqliteWriter), "The SQLite writer has stopped."));
        }

        return request.Completion.Task;
    }

    /// <summary>Runs what is queued, then stops the thread and closes its connection.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }

    private void Run()
    {
        var batch = new List<WriteRequest>(MaxBatchSize);
        try
        {
            foreach (var first in _queue.GetConsumingEnumerable())
            {
                batch.Add(first);
                while (batch.Count < MaxBatchSize && _queue.TryTake(out var next))
                {
                    batch.Add(next);
                }

                RunBatch(batch);
                batch.Clear();
            }
        }
        finally
        {
            CloseConnection();
            _queue.Dispose();
        }
    }

    private void RunBatch(List<WriteRequest> batch)
    {
        var taken = batch.Where(request => request.TryTake()).ToList();
        if (taken.Count == 0)
        {
            return;
        }

        Interlocked.Increment(ref _transactions);
        Interlocked.Add(ref _commands, taken.Count);
        try
        {
            var connection = Connection();
            _begin!.ExecuteNonQuery();
            try
            {
                foreach (var request in taken)
                {
                    RunInSavepoint(connection, request);
                }

                _commit!.ExecuteNonQuery();
            }
            catch
            {
                RollBack();
                throw;
            }
        }
        catch (Exception exception)
        {
            // No transaction, or it could not commit: nothing of it is stored, whatever each command answered.
            foreach (var request in taken)
            {
                request.Completion.TrySetException(exception);
            }

            return;
        }

        foreach (var request in taken)
        {
            request.Complete();
        }
    }

    private void RunInSavepoint(SqliteConnection connection, WriteRequest request)
    {
        _savepoint!.ExecuteNonQuery();
        try
        {
            request.Outcome = request.Work is { } work ? RunWork(connection, work) : Execute(connection, request);
            _release!.ExecuteNonQuery();
        }
        catch (Exception exception) when (connection.Handle is { } handle && SQLitePCL.raw.sqlite3_get_autocommit(handle) == 0)
        {
            // The transaction survived the error (a constraint, a bad statement): undo this command alone. An error that
            // ended the transaction (I/O, disk full) is not caught here and fails the whole batch.
            _rollbackToSavepoint!.ExecuteNonQuery();
            _release!.ExecuteNonQuery();
            request.Error = exception;
        }
    }

    private static BufferedResult RunWork(SqliteConnection connection, Func<SqliteConnection, Task> work)
    {
        var pending = work(connection);
        if (!pending.IsCompleted)
        {
            // Waiting would block the writer's thread on someone else's I/O; leaving would commit half of the work.
            throw new InvalidOperationException("Work queued to the SQLite writer must complete synchronously.");
        }

        if (pending.Exception is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure.InnerException ?? failure);
        }

        if (pending.IsCanceled)
        {
            throw new OperationCanceledException("Work queued to the SQLite writer was cancelled.");
        }

        return NoResult;
    }

    private BufferedResult Execute(SqliteConnection connection, WriteRequest request)
    {
        var source = request.Command;
        if (!_statements.TryGetValue(source.CommandText, out var statement))
        {
            statement = connection.CreateCommand();
            statement.CommandText = source.CommandText;
            if (_statements.Count < MaxCachedStatements)
            {
                _statements.Add(source.CommandText, statement);
            }
        }

        statement.CommandTimeout = source.CommandTimeout;
        statement.Parameters.Clear();
        foreach (SqliteParameter parameter in source.Parameters)
        {
            statement.Parameters.Add(parameter);
        }

        try
        {
            using var reader = statement.ExecuteReader(request.Behavior & ~CommandBehavior.CloseConnection);
            return BufferedResult.Read(reader);
        }
        finally
        {
            statement.Parameters.Clear();
            if (!_statements.ContainsValue(statement))
            {
                statement.Dispose();
            }
        }
    }

    private static readonly BufferedResult NoResult = new([], 0);

    private SqliteConnection Connection()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using (var setUp = connection.CreateCommand())
            {
                setUp.CommandText = _setUpSql;
                setUp.ExecuteNonQuery();
            }

            // IMMEDIATE: the write lock is taken at the start, so no statement of the batch can meet a busy database halfway.
            _begin = Statement(connection, "BEGIN IMMEDIATE");
            _commit = Statement(connection, "COMMIT");
            _rollback = Statement(connection, "ROLLBACK");
            _savepoint = Statement(connection, "SAVEPOINT command");
            _release = Statement(connection, "RELEASE command");
            _rollbackToSavepoint = Statement(connection, "ROLLBACK TO command");
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _connection = connection;
        return connection;
    }

    private void RollBack()
    {
        try
        {
            if (_connection?.Handle is { } handle && SQLitePCL.raw.sqlite3_get_autocommit(handle) == 0)
            {
                _rollback!.ExecuteNonQuery();
            }
        }
        catch (SqliteException)
        {
            // A connection that cannot even roll back is replaced: the next batch opens a fresh one.
            CloseConnection();
        }
    }

    private void CloseConnection()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }

        _statements.Clear();
        _connection?.Dispose();
        _connection = null;
    }

    private static SqliteCommand Statement(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private sealed class WriteRequest
    {
        private const int Queued = 0;
        private const int Taken = 1;
        private const int Cancelled = 2;

        private readonly CancellationTokenRegistration _cancellation;
        private int _state;

        public WriteRequest(SqliteCommand command, CommandBehavior behavior, CancellationToken cancellationToken)
            : this(cancellationToken)
        {
            Command = command;
            Behavior = behavior;
        }

        public WriteRequest(Func<SqliteConnection, Task> work, CancellationToken cancellationToken)
            : this(cancellationToken)
        {
            Work = work;
        }

        private WriteRequest(CancellationToken cancellationToken)
        {
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.Register(
                    static (state, token) => ((WriteRequest)state!).Cancel(token), this);
            }
        }

        public SqliteCommand Command { get; } = null!;

        public CommandBehavior Behavior { get; }

        /// <summary>Set instead of <see cref="Command"/> for a unit of work of several statements.</summary>
        public Func<SqliteConnection, Task>? Work { get; }

        // The caller's continuation never runs on the writer's thread.
        public TaskCompletionSource<BufferedResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public BufferedResult? Outcome { get; set; }

        public Exception? Error { get; set; }

        /// <summary>The writer takes the request; false when its caller cancelled it first.</summary>
        public bool TryTake()
        {
            var taken = Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;
            _cancellation.Dispose();
            return taken;
        }

        public void Complete()
        {
            if (Error is not null)
            {
                Completion.TrySetException(Error);
            }
            else
            {
                Completion.TrySetResult(Outcome!);
            }
        }

        private void Cancel(CancellationToken token)
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
            {
                Completion.TrySetCanceled(token);
            }
        }
    }
}
