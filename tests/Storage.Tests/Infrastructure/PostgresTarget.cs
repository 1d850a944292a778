using Npgsql;

namespace WorkSessions.Storage.Tests.Infrastructure;

/// <summary>
/// Fresh databases on the PostgreSQL server named by <c>WORKSESSIONS_TEST_POSTGRES</c>, dropped afterwards.
/// Without that variable every PostgreSQL test fails: a skipped storage test would pass CI unseen.
/// </summary>
public sealed class PostgresTarget : StorageTarget
{
    public const string Variable = "WORKSESSIONS_TEST_POSTGRES";

    private readonly List<string> _databases = [];

    public override StorageProvider Provider => StorageProvider.Postgres;

    private static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set, so the PostgreSQL storage tests cannot run. Start a throwaway server with "
                + "`scripts/postgres.sh start /tmp/ws-pg` and export " + Variable + " set to the connection string it prints "
                + "(any Npgsql connection string to a server where the tests may create databases works).");

    public override async Task<IReadOnlyDictionary<string, string?>> CreateDatabaseAsync()
    {
        var name = $"ws_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        _databases.Add(name);
        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name };
        return new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:ConnectionString"] = builder.ConnectionString,
        };
    }

    protected override async Task DropDatabasesAsync()
    {
        if (_databases.Count == 0)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        foreach (var name in _databases)
        {
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
