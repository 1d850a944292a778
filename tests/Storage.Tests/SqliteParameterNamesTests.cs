using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// Parameters named without a prefix, as the Orleans providers name theirs, get the prefixed name their statement
/// uses before a command runs through the providers' data source, so Microsoft.Data.Sqlite binds each with one lookup
/// instead of trying three prefixes on every execution.
/// </summary>
public sealed class SqliteParameterNamesTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-parameters-").FullName;
    private SqliteServerDataSource _source = null!;

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_directory, "parameters.db") }.ConnectionString;

    public async Task InitializeAsync()
    {
        await using (var setUp = new SqliteConnection(ConnectionString))
        {
            await setUp.OpenAsync();
            await using var command = setUp.CreateCommand();
            command.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL, id_2 INTEGER);";
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

    [Theory]
    [InlineData("INSERT INTO t VALUES (@GrainIdN0, @GrainIdN1)", "GrainIdN0", "@GrainIdN0")]
    [InlineData("INSERT INTO t VALUES (@GrainIdN0, @GrainIdN1)", "GrainIdN1", "@GrainIdN1")]
    [InlineData("SELECT * FROM t WHERE a = @GrainIdN0", "GrainIdN", "GrainIdN")]
    [InlineData("SELECT * FROM t WHERE a = :name", "name", ":name")]
    [InlineData("SELECT * FROM t WHERE a = $name", "name", "$name")]
    [InlineData("SELECT * FROM t WHERE a = @name OR b = :name", "name", "name")]
    [InlineData("SELECT name FROM t", "name", "name")]
    [InlineData("SELECT * FROM t WHERE a = @name_2", "name", "name")]
    [InlineData("SELECT * FROM t WHERE a = @name_2 OR b = @name", "name", "@name")]
    [InlineData("SELECT * FROM t WHERE a = @name", "name", "@name")]
    public void Resolve_NamesTheParameterAsItsStatementDoes_OrLeavesItBare(string statement, string bare, string expected)
    {
        Assert.Equal(expected, SqliteParameterNames.Resolve(statement, bare));
    }

    [Fact]
    public async Task QueuedWrite_ParametersNamedWithoutPrefix_AreRenamedAndStored()
    {
        await using var connection = await _source.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO item (id, name, id_2) VALUES (@id, @name, @id_2)";
        var id = Add(command, "id", 1);
        var name = Add(command, "name", "first");
        var id2 = Add(command, "id_2", 2);
        var prefixed = Add(command, "@unused", 3);

        Assert.Equal(1, await command.ExecuteNonQueryAsync());

        Assert.Equal(["@id", "@name", "@id_2", "@unused"], [id.ParameterName, name.ParameterName, id2.ParameterName, prefixed.ParameterName]);
        Assert.Equal("first|2", await ReadAsync("SELECT name || '|' || id_2 FROM item WHERE id = 1"));
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
            insert.CommandText = $"INSERT INTO item (id, name) VALUES ({prefix}id, {prefix}name)";
            Add(insert, "id", 7);
            Add(insert, "name", "seven");
            Assert.Equal(1, insert.ExecuteNonQuery());
        }

        await using var select = connection.CreateCommand();
        select.CommandText = $"SELECT name FROM item WHERE id = {prefix}id";
        var id = Add(select, "id", 7);
        Assert.Equal("seven", await select.ExecuteScalarAsync());
        Assert.Equal(prefix + "id", id.ParameterName);
    }

    [Fact]
    public async Task StatementUsingOneNameWithTwoPrefixes_FailsAsMicrosoftDataSqliteDoes()
    {
        await using var connection = await _source.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM item WHERE id = @id OR id = :id";
        var id = Add(command, "id", 1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => command.ExecuteScalarAsync());
        Assert.Equal("id", id.ParameterName);
    }

    private static DbParameter Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private async Task<string?> ReadAsync(string sql)
    {
        await using var connection = new SqliteConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string?)await command.ExecuteScalarAsync();
    }
}
