using Microsoft.Data.Sqlite;
using WorkSessions.Storage.Tests.Infrastructure;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>The one-silo-per-service lock on a SQLite file, in this process (the real processes: <see cref="OneSiloPerSqliteServiceTests"/>).</summary>
public sealed class SqliteServiceLockTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-lock-unit-").FullName;

    private string DatabaseFile => Path.Combine(_directory, "work-sessions.db");

    [Fact]
    public void SameService_Twice_IsRefused_NamingTheFileTheServiceAndWhatToDo()
    {
        using var held = SqliteServiceLock.Acquire(DatabaseFile, "billing");

        var exception = Assert.Throws<StorageInUseException>(() => SqliteServiceLock.Acquire(DatabaseFile, "billing"));

        Assert.Contains($"Another silo with service id 'billing' is already using {DatabaseFile}", exception.Message, StringComparison.Ordinal);
        Assert.Contains(held.Path, exception.Message, StringComparison.Ordinal);
        Assert.Contains("stop it, or use PostgreSQL", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherServices_OnTheSameFile_DoNotContend()
    {
        using var billing = SqliteServiceLock.Acquire(DatabaseFile, "billing");
        using var support = SqliteServiceLock.Acquire(DatabaseFile, "support");

        Assert.NotEqual(billing.Path, support.Path);
    }

    [Fact]
    public void ReleasedLock_CanBeTakenAgain()
    {
        SqliteServiceLock.Acquire(DatabaseFile, "billing").Dispose();

        using var again = SqliteServiceLock.Acquire(DatabaseFile, "billing");

        Assert.True(File.Exists(again.Path));
    }

    [Theory]
    [InlineData("tenants/eu")]
    [InlineData("..")]
    [InlineData("a b:c*?")]
    public void ServiceIdsWithPathCharacters_LockAFileNextToTheDatabase(string serviceId)
    {
        using var held = SqliteServiceLock.Acquire(DatabaseFile, serviceId);

        Assert.Equal(_directory, Path.GetDirectoryName(held.Path));
        Assert.StartsWith(Path.GetFileName(DatabaseFile) + ".", Path.GetFileName(held.Path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SiloHost_OfTheSameService_RefusesToStart_UntilTheFirstHasStopped()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "sqlite",
            ["Storage:ConnectionString"] = $"Data Source={DatabaseFile}",
        };
        var serviceId = TestIds.New("lock");
        await using var first = await TestSilo.StartAsync(settings, serviceId, serviceId);

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => TestSilo.StartAsync(settings, serviceId, serviceId));
        Assert.Contains($"Another silo with service id '{serviceId}'", Messages(refused), StringComparison.Ordinal);

        await first.StopAsync();
        await using var next = await TestSilo.StartAsync(settings, serviceId, serviceId);
    }

    public void Dispose()
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
    }

    /// <summary>Orleans may wrap a failed start-up step; the operator reads the whole chain.</summary>
    private static string Messages(Exception exception) =>
        exception.InnerException is null ? exception.Message : exception.Message + " → " + Messages(exception.InnerException);
}
