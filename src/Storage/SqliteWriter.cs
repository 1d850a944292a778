using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace WorkSessions.Storage;

/// <summary>
/// The one thread that writes to a SQLite file for this process (docs/architecture.md#storage). Microsoft.Data.Sqlite
/// runs every command synchronously, even through its async methods: a write executed by its caller holds that
/// thread (an Orleans scheduler or thread-pool thread) for as long as SQLite takes, and callers on several threads
/// queue on SQLite's single write lock by sleeping in its busy handler. Here callers queue their writes instead (a
/// grain's state, a reminder, a batch of report rows) and await them; this thread takes whatever has queued up (up to
/// <see cref="MaxBatchSize"/>), runs it in one transaction with a savepoint per write, commits, and only then completes
/// each caller's task — so a completed write is a committed one, and a write that fails rolls back to its savepoint and
/// fails only its own caller.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    /// <summary>The most writes one transaction holds: a bound on how long a commit keeps readers of the WAL waiting for a checkpoint.</summary>
    public const int MaxBatchSize = 256;

    private readonly string _connectionString;
    private readonly string _setUpSql;
    private readonly BlockingCollection<WriteRequest> _queue = new(new ConcurrentQueue<WriteRequest>());
    private readonly Dictionary<string, SqliteCommand> _statements = new(StringComparer.Ordinal);
    private readonly Thread _thread;
    private SqliteConnection? _connection;
    private Statements? _prepared;
    private SqliteCommand? _begin;
    private SqliteCommand? _commit;
    private SqliteCommand? _rollback;
    private SqliteCommand? _savepoint;
    private SqliteCommand? _release;
    private SqliteCommand? _rollbackToSavepoint;
    private long _transactions;
    private long _writes;
    private int _disposed;

    public SqliteWriter(SqliteDataSource dataSource)
    {
        _connectionString = dataSource.ConnectionString;
        _setUpSql = dataSource.SetUpSql;
        _thread = new Thread(Run) { IsBackground = true, Name = "WorkSessions SQLite writer" };
        _thread.Start();
    }

    /// <summary>Transactions committed (or attempted) so far: fewer than <see cref="Writes"/> when writes arrive together.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Writes run so far.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>
    /// Queues a write and completes with its answer once the transaction holding it has committed. <paramref name="work"/>
    /// runs on the writer's thread inside the writer's transaction (no transaction object: use
    /// <see cref="Statements.Prepare"/>); whatever it throws fails only this write, undone to its own savepoint.
    /// Cancelled before the writer took it, it never runs; once taken, it runs to its end.
    /// </summary>
    public Task<T> RunAsync<T>(Func<Statements, T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var request = new WriteRequest<T>(work, cancellationToken);
        try
        {
            _queue.Add(request, CancellationToken.None);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ObjectDisposedException)
        {
            return Task.FromException<T>(new ObjectDisposedException(nameof(SqliteWriter), "The SQLite writer has stopped."));
        }

        return request.Completion.Task;
    }

    /// <summary>
    /// Queues a unit of work of several statements written against <see cref="System.Data.Common.DbConnection"/> (the
    /// report store's batch, shared with PostgreSQL) that commits with the writes around it, in a savepoint of its own:
    /// all of it or none of it is stored. <paramref name="work"/> must complete synchronously, as Microsoft.Data.Sqlite's
    /// own asynchronous methods do; one that does not is refused.
    /// </summary>
    public Task RunAsync(Func<SqliteConnection, Task> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunAsync(statements => RunToCompletion(work(statements.Connection)), cancellationToken);
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
        Interlocked.Add(ref _writes, taken.Count);
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
            // No transaction, or it could not commit: nothing of it is stored, whatever each write answered.
            foreach (var request in taken)
            {
                request.Fail(exception);
                request.Complete();
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
            request.Run(_prepared!);
            _release!.ExecuteNonQuery();
        }
        catch (Exception exception) when (connection.Handle is { } handle && SQLitePCL.raw.sqlite3_get_autocommit(handle) == 0)
        {
            // The transaction survived the error (a constraint, a bad statement): undo this write alone. An error that
            // ended the transaction (I/O, disk full) is not caught here and fails the whole batch.
            _rollbackToSavepoint!.ExecuteNonQuery();
            _release!.ExecuteNonQuery();
            request.Fail(exception);
        }
    }

    private static bool RunToCompletion(Task pending)
    {
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

        return true;
    }

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
        _prepared = new Statements(connection, _statements);
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
        _prepared = null;
    }

    private static SqliteCommand Statement(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    /// <summary>The writer's connection as a write sees it: statements prepared once and kept for the next write.</summary>
    public sealed class Statements
    {
        private readonly Dictionary<string, SqliteCommand> _cache;

        internal Statements(SqliteConnection connection, Dictionary<string, SqliteCommand> cache)
        {
            Connection = connection;
            _cache = cache;
        }

        /// <summary>The writer's connection, inside its transaction.</summary>
        public SqliteConnection Connection { get; }

        /// <summary>
        /// The command for <paramref name="sql"/> with no parameters, prepared on first use: pass the same string every
        /// time, and name parameters exactly as the statement does (<c>@Name</c>), so binding is one lookup.
        /// </summary>
        public SqliteCommand Prepare(string sql)
        {
            if (!_cache.TryGetValue(sql, out var command))
            {
                // A handful of constant statements (grain state, reminders): each stays prepared until the connection closes.
                command = Connection.CreateCommand();
                command.CommandText = sql;
                _cache.Add(sql, command);
            }

            command.Parameters.Clear();
            return command;
        }

        /// <summary>
        /// The command for <paramref name="sql"/> with one parameter per name of <paramref name="names"/>, in that order,
        /// created on first use and kept: a write sets their values by position (a row write on every transition
        /// allocates no parameter objects). Use a statement either this way or with <see cref="Prepare"/>, never both.
        /// </summary>
        public SqliteCommand PrepareWithParameters(string sql, params ReadOnlySpan<string> names)
        {
            if (!_cache.TryGetValue(sql, out var command))
            {
                command = Connection.CreateCommand();
                command.CommandText = sql;
                foreach (var name in names)
                {
                    command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
                }

                _cache.Add(sql, command);
            }

            return command;
        }
    }

    private abstract class WriteRequest
    {
        private const int Queued = 0;
        private const int Taken = 1;
        private const int Cancelled = 2;

        private readonly CancellationTokenRegistration _cancellation;
        private int _state;

        protected WriteRequest(CancellationToken cancellationToken)
        {
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.Register(
                    static (state, token) => ((WriteRequest)state!).Cancel(token), this);
            }
        }

        protected Exception? Error { get; private set; }

        /// <summary>The writer takes the request; false when its caller cancelled it first.</summary>
        public bool TryTake()
        {
            var taken = Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;
            _cancellation.Dispose();
            return taken;
        }

        /// <summary>Runs the write on the writer's thread; its answer is handed over by <see cref="Complete"/>.</summary>
        public abstract void Run(Statements statements);

        public void Fail(Exception exception) => Error = exception;

        /// <summary>Completes the caller's task, after the commit (or the failure that stored nothing).</summary>
        public abstract void Complete();

        protected abstract void Cancel(CancellationToken token);

        protected bool TryCancel() => Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued;
    }

    private sealed class WriteRequest<T>(Func<Statements, T> work, CancellationToken cancellationToken) : WriteRequest(cancellationToken)
    {
        private T _answer = default!;

        // The caller's continuation never runs on the writer's thread.
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Run(Statements statements) => _answer = work(statements);

        public override void Complete()
        {
            if (Error is not null)
            {
                Completion.TrySetException(Error);
            }
            else
            {
                Completion.TrySetResult(_answer);
            }
        }

        protected override void Cancel(CancellationToken token)
        {
            if (TryCancel())
            {
                Completion.TrySetCanceled(token);
            }
        }
    }
}
