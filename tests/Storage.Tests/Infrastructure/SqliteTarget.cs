using Microsoft.Data.Sqlite;

namespace WorkSessions.Storage.Tests.Infrastructure;

/// <summary>SQLite files in a temporary directory of the test class's own.</summary>
public sealed class SqliteTarget : StorageTarget
{
    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-storage-").FullName;

    public override StorageProvider Provider => StorageProvider.Sqlite;

    public override Task<IReadOnlyDictionary<string, string?>> CreateDatabaseAsync()
    {
        var file = Path.Combine(_directory, $"db-{Guid.NewGuid():N}", "work-sessions.db");
        return Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "sqlite",
            ["Storage:ConnectionString"] = $"Data Source={file}",
        });
    }

    protected override Task DropDatabasesAsync()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }

        return Task.CompletedTask;
    }
}
