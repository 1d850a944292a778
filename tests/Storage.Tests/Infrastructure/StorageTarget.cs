using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace WorkSessions.Storage.Tests.Infrastructure;

/// <summary>
/// One database engine under test, as a class fixture: a fresh database for the test class (and more on
/// request), plus one silo on it that the class's tests share with keys of their own.
/// </summary>
public abstract class StorageTarget : IAsyncLifetime
{
    private readonly List<TestSilo> _silos = [];
    private TestSilo? _sharedSilo;

    public abstract StorageProvider Provider { get; }

    /// <summary>The <c>Storage</c> settings of the test class's own database.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; private set; } = new Dictionary<string, string?>();

    public StorageOptions Options => ToOptions(Settings);

    /// <summary>A silo on the class's database, started on first use and stopped with the fixture.</summary>
    public async Task<TestSilo> SharedSiloAsync()
    {
        _sharedSilo ??= await StartSiloAsync(serviceId: "storage-tests");
        return _sharedSilo;
    }

    /// <summary>Starts a silo on the class's database; the fixture stops it at the end if the test does not.</summary>
    public async Task<TestSilo> StartSiloAsync(string serviceId, string? clusterId = null)
    {
        var silo = await TestSilo.StartAsync(Settings, serviceId, clusterId ?? serviceId);
        _silos.Add(silo);
        return silo;
    }

    public async Task InitializeAsync() => Settings = await CreateDatabaseAsync();

    /// <summary>The <c>Storage</c> settings of a new, empty database (no schema yet).</summary>
    public abstract Task<IReadOnlyDictionary<string, string?>> CreateDatabaseAsync();

    public static StorageOptions ToOptions(IReadOnlyDictionary<string, string?> settings) =>
        StorageOptions.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

    /// <summary>Runs one SQL statement on the class's database and returns the first column of the first row.</summary>
    public async Task<object?> ScalarAsync(string sql, IReadOnlyDictionary<string, string?>? settings = null)
    {
        await using var database = WorkSessionsDatabase.Open(ToOptions(settings ?? Settings));
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    /// <summary>Applies the migrations to a database, as a silo does when it starts.</summary>
    public static Task MigrateAsync(IReadOnlyDictionary<string, string?> settings) =>
        WorkSessionsDatabase.MigrateAsync(ToOptions(settings), NullLogger.Instance);

    public async Task DisposeAsync()
    {
        foreach (var silo in Enumerable.Reverse(_silos))
        {
            await silo.DisposeAsync();
        }

        await DropDatabasesAsync();
    }

    protected abstract Task DropDatabasesAsync();
}
