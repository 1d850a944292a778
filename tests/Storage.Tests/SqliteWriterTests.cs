using System.Data.Common;
using Microsoft.Data.Sqlite;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// The SQLite writer behind grain state, reminders and report batches: writes queue to one thread that commits them in
/// batches. Each test holds SQLite's write lock from another connection while it queues, so what the writer
/// finds queued when the lock comes free is known.
/// </summary>
public sealed class SqliteWriterTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-writer-").FullName;
    private SqliteDataSource _source = null!;
    private SqliteWriter _writer = null!;

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "writer.db") }.ConnectionString;

    private SqliteWriter Writer => _writer;

    public async Task InitializeAsync()
    {
        await using (var setUp = new SqliteConnection(ConnectionString))
        {
            await setUp.OpenAsync();
            await using var command = setUp.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL);";
            await command.ExecuteNonQueryAsync();
        }

        _source = new SqliteDataSource(ConnectionString);
        _writer = new SqliteWriter(_source);
    }

    public async Task DisposeAsync()
    {
        _writer.Dispose();
        await _source.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ConcurrentWrites_CommitTogether_AndEachIsStoredWhenItsTaskCompletes()
    {
        Task<int>[] writes;
        await using (await HoldWriteLockAsync())
        {
            writes = Enumerable.Range(1, 100).Select(id => InsertAsync(id)).ToArray();
        }

        Assert.All(await Task.WhenAll(writes), rowsAffected => Assert.Equal(1, rowsAffected));
        Assert.Equal(100, Writer.Writes);
        // The first command may have been taken alone before the rest queued; everything else waited for one commit.
        Assert.InRange(Writer.Transactions, 1, 2);
        Assert.Equal(100L, await CountFromAnotherConnectionAsync());
    }

    [Fact]
    public async Task FailingCommand_FailsOnlyItsCaller_AndItsBatchStillCommits()
    {
        await InsertAsync(1);
        Task<int> before, duplicate, after;
        await using (await HoldWriteLockAsync())
        {
            before = InsertAsync(2);
            duplicate = InsertAsync(1);
            after = InsertAsync(3);
        }

        Assert.Equal(1, await before);
        await Assert.ThrowsAsync<SqliteException>(() => duplicate);
        Assert.Equal(1, await after);
        Assert.Equal(3L, await CountFromAnotherConnectionAsync());
    }

    [Fact]
    public async Task CancelledWhileQueued_NeverRuns()
    {
        using var cancellation = new CancellationTokenSource();
        Task<int> first, cancelled;
        await using (await HoldWriteLockAsync())
        {
            first = InsertAsync(1);
            await UntilAsync(() => Writer.Transactions == 1); // the writer holds `first` and waits for the lock
            cancelled = InsertAsync(2, cancellation.Token);
            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        }

        Assert.Equal(1, await first);
        Assert.Equal(1L, await CountFromAnotherConnectionAsync());
    }

    [Fact]
    public async Task UnitOfWork_CommitsWithTheWritesAroundIt_AndAFailingOneUndoesAllOfItsStatementsOnly()
    {
        Task<int> before, after;
        Task whole, failing;
        await using (await HoldWriteLockAsync())
        {
            before = InsertAsync(1);
            whole = Writer.RunAsync(connection => InsertOnWriterAsync(connection, 10, 11, 12), CancellationToken.None);
            // Its first two rows are new; the third collides with row 1, so none of the three may stay.
            failing = Writer.RunAsync(connection => InsertOnWriterAsync(connection, 20, 21, 1), CancellationToken.None);
            after = InsertAsync(2);
        }

        Assert.Equal(1, await before);
        await whole;
        await Assert.ThrowsAsync<SqliteException>(() => failing);
        Assert.Equal(1, await after);
        Assert.Equal(5L, await CountFromAnotherConnectionAsync());
        Assert.InRange(Writer.Transactions, 1, 2);
    }

    [Fact]
    public async Task UnitOfWork_ThatDoesNotCompleteSynchronously_IsRefused_AndStoresNothing()
    {
        var work = Writer.RunAsync(async connection =>
        {
            await InsertOnWriterAsync(connection, 30);
            await Task.Yield();
        }, CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => work);
        Assert.Equal(0L, await CountFromAnotherConnectionAsync());
    }

    private static async Task InsertOnWriterAsync(SqliteConnection connection, params int[] ids)
    {
        foreach (var id in ids)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO item (id, name, version) VALUES (@id, @name, 1)";
            AddParameter(command, "@id", id);
            AddParameter(command, "@name", $"item-{id}");
            await command.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Write_AnswersWithWhatItReadOnTheWritersThread_AndReusesItsPreparedStatement()
    {
        await InsertAsync(7);

        var first = await BumpAsync(7);
        var second = await BumpAsync(7);
        var missing = await BumpAsync(8);

        Assert.Equal((2L, 3L, (long?)null), (first, second, missing));
        Assert.Equal(4, Writer.Writes);

        Task<long?> BumpAsync(int id) => Writer.RunAsync(
            statements =>
            {
                var command = statements.Prepare("UPDATE item SET version = version + 1 WHERE id = @id RETURNING version");
                command.Parameters.AddWithValue("@id", id);
                return (long?)command.ExecuteScalar();
            },
            CancellationToken.None);
    }

    private Task<int> InsertAsync(int id, CancellationToken cancellationToken = default) => Writer.RunAsync(
        statements =>
        {
            var command = statements.Prepare("INSERT INTO item (id, name, version) VALUES (@id, @name, 1)");
            command.Parameters.AddWithValue("@id", id);
            command.Parameters.AddWithValue("@name", $"item-{id}");
            return command.ExecuteNonQuery();
        },
        cancellationToken);

    private static DbParameter AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static Task UntilAsync(Func<bool> condition) =>
        Eventually.UntilAsync(condition, TimeSpan.FromSeconds(60), "the writer to get there", TimeSpan.FromMilliseconds(10));

    private async Task<long> CountFromAnotherConnectionAsync()
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM item";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Takes SQLite's write lock on another connection until disposed: meanwhile the writer waits in BEGIN IMMEDIATE.</summary>
    private async Task<IAsyncDisposable> HoldWriteLockAsync()
    {
        var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using (var begin = connection.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }

        return new WriteLock(connection);
    }

    private sealed class WriteLock(SqliteConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await using (var commit = connection.CreateCommand())
            {
                commit.CommandText = "COMMIT";
                await commit.ExecuteNonQueryAsync();
            }

            await connection.DisposeAsync();
        }
    }
}
