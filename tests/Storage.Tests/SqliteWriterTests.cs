using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// The SQLite writer behind the Orleans providers' data source: asynchronous writes queue to one thread that commits
/// them in batches. Each test holds SQLite's write lock from another connection while it queues, so what the writer
/// finds queued when the lock comes free is known.
/// </summary>
public sealed class SqliteWriterTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-writer-").FullName;
    private SqliteServerDataSource _source = null!;

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "writer.db") }.ConnectionString;

    private SqliteWriter Writer => _source.Writer!;

    public async Task InitializeAsync()
    {
        await using (var setUp = new SqliteConnection(ConnectionString))
        {
            await setUp.OpenAsync();
            await using var command = setUp.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL);";
            await command.ExecuteNonQueryAsync();
        }

        _source = new SqliteServerDataSource(ConnectionString, withWriter: true);
    }

    public async Task DisposeAsync()
    {
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
        Assert.Equal(100, Writer.Commands);
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
    public async Task QueuedCommand_AnswersAsMicrosoftDataSqliteDoes()
    {
        // The shapes of the Orleans providers' statements: RETURNING, a write followed by a SELECT, several result sets.
        await InsertAsync(7);
        await using var connection = await _source.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE item SET version = version + 1 WHERE id = @id RETURNING version AS NewVersion, name AS Name;
            UPDATE item SET version = version + 1 WHERE id = -1 RETURNING version AS Missing;
            DELETE FROM item WHERE id = @other;
            SELECT changes() > 0 AS Deleted, NULL AS Empty;
            """;
        AddParameter(command, "@id", 7);
        AddParameter(command, "@other", 8);

        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.Default, CancellationToken.None);

        Assert.True(await reader.ReadAsync());
        Assert.Equal(2, reader.GetInt32(reader.GetOrdinal("NewVersion")));
        Assert.Equal(2L, reader.GetValue(0));
        Assert.Equal(2L, await reader.GetFieldValueAsync<long>(0));
        Assert.Equal("item-7", reader.GetString(1));
        Assert.False(await reader.ReadAsync());
        Assert.True(await reader.NextResultAsync());
        Assert.Equal("Missing", reader.GetName(0));
        Assert.False(await reader.ReadAsync());
        Assert.True(await reader.NextResultAsync());
        Assert.True(await reader.ReadAsync());
        Assert.False(reader.GetBoolean(0));
        Assert.True(await reader.IsDBNullAsync(1));
        Assert.Null(await reader.GetFieldValueAsync<string?>(1));
        Assert.False(await reader.NextResultAsync());
        Assert.Equal(1, reader.RecordsAffected);
        Assert.Equal(2, Writer.Commands);
    }

    [Fact]
    public async Task Reads_AndWritesInsideATransaction_RunOnTheCallersConnection()
    {
        await InsertAsync(1);
        await using var connection = await _source.OpenConnectionAsync();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT name FROM item WHERE id = 1";
            Assert.Equal("item-1", await read.ExecuteScalarAsync());
        }

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var write = connection.CreateCommand();
            write.CommandText = "INSERT INTO item (id, name, version) VALUES (2, 'item-2', 1)";
            await write.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }

        Assert.Equal(1, Writer.Commands);
        Assert.Equal(2L, await CountFromAnotherConnectionAsync());
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
    public async Task QueuedWrite_ParametersNamedWithoutPrefix_GetTheStatementsNames_AndAreStored()
    {
        // As the Orleans providers name theirs: Microsoft.Data.Sqlite would try three prefixes for each on every execution.
        await using var connection = await _source.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO item (id, name, version) VALUES (@id, @name, @version)";
        var id = AddParameter(command, "id", 1);
        var name = AddParameter(command, "name", "first");
        var version = AddParameter(command, "version", 2);
        var prefixed = AddParameter(command, "@unused", 3);

        Assert.Equal(1, await command.ExecuteNonQueryAsync());

        Assert.Equal(["@id", "@name", "@version", "@unused"], [id.ParameterName, name.ParameterName, version.ParameterName, prefixed.ParameterName]);
        Assert.Equal(1L, await CountFromAnotherConnectionAsync());
    }

    [Theory]
    [InlineData(":")]
    [InlineData("$")]
    [InlineData("@")]
    public async Task ReadAndSynchronousWrite_WithAnyPrefixInTheStatement_BindAsBefore(string prefix)
    {
        await using var connection = await _source.OpenConnectionAsync();
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = $"INSERT INTO item (id, name, version) VALUES ({prefix}id, {prefix}name, 1)";
            AddParameter(insert, "id", 7);
            AddParameter(insert, "name", "seven");
            Assert.Equal(1, insert.ExecuteNonQuery());
        }

        await using var select = connection.CreateCommand();
        select.CommandText = $"SELECT name FROM item WHERE id = {prefix}id";
        var id = AddParameter(select, "id", 7);
        Assert.Equal("seven", await select.ExecuteScalarAsync());
        Assert.Equal(prefix + "id", id.ParameterName);
    }

    [Fact]
    public async Task StatementUsingOneNameWithTwoPrefixes_FailsAsMicrosoftDataSqliteDoes()
    {
        await using var connection = await _source.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM item WHERE id = @id OR id = :id";
        var id = AddParameter(command, "id", 1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => command.ExecuteScalarAsync());
        Assert.Equal("id", id.ParameterName);
    }

    private async Task<int> InsertAsync(int id, CancellationToken cancellationToken = default)
    {
        await using var connection = await _source.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO item (id, name, version) VALUES (@id, @name, 1)";
        AddParameter(command, "@id", id);
        AddParameter(command, "@name", $"item-{id}");
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DbParameter AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var bound = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < bound, "timed out");
            await Task.Delay(10);
        }
    }

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
