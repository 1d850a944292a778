using Npgsql;

namespace WorkSessions.TestSupport;

/// <summary>
/// Fresh, empty databases on the PostgreSQL server named by <c>WORKSESSIONS_TEST_POSTGRES</c> (test.sh starts one with
/// scripts/postgres.sh), dropped on dispose. Without that variable the test fails rather than skips: a skipped
/// cluster test would pass CI unseen.
/// </summary>
public sealed class TestPostgres : IAsyncDisposable
{
    public const string Variable = "WORKSESSIONS_TEST_POSTGRES";

    private readonly string _server;

    private TestPostgres(string server, string name)
    {
        _server = server;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>The database's name.</summary>
    public string Name { get; }

    /// <summary>An Npgsql connection string to the new database.</summary>
    public string ConnectionString { get; }

    /// <summary>The server's connection string from the environment.</summary>
    public static string Server =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set. Start a throwaway server with `scripts/postgres.sh start /tmp/ws-pg` and export "
                + $"{Variable} set to the connection string it prints (./test.sh does both).");

    /// <summary>Creates an empty database on the server from <see cref="Variable"/>.</summary>
    public static Task<TestPostgres> CreateAsync() => CreateAsync(Server);

    /// <summary>Creates an empty database on <paramref name="server"/>.</summary>
    public static async Task<TestPostgres> CreateAsync(string server)
    {
        var name = $"ws_test_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return new TestPostgres(server, name);
    }

    /// <summary>Runs a scalar query against the database.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
