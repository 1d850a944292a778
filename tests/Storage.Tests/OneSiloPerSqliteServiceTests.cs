using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// SQLite mode clusters on localhost, so a second silo process of the same service on the same file would think
/// it is alone: both would own every reminder and activate every grain. The second one must refuse to start.
/// Real silo processes.
/// </summary>
public sealed class OneSiloPerSqliteServiceTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("work-sessions-lock-").FullName;

    private string DatabaseFile => Path.Combine(_directory, "data", "work-sessions.db");

    [Fact]
    public async Task SecondSilo_WithTheSameServiceIdOnTheSameFile_RefusesToStart_SayingWhy()
    {
        string[] arguments = ["--Storage:Provider=sqlite", $"--Storage:ConnectionString=Data Source={DatabaseFile}"];
        await using var first = await SiloProcess.StartAsync(_directory, arguments);

        await using var second = SiloProcess.Launch(_directory, arguments);

        Assert.False(
            await second.WaitUntilStartedAsync(Bound),
            $"A second silo with service id '{SiloProcess.ServiceId}' started on {DatabaseFile}. Its output:\n{second.Output}");
        Assert.Equal(3, await second.WaitForExitAsync(Bound));
        var output = second.Output;
        Assert.Contains($"Another silo with service id '{SiloProcess.ServiceId}' is already using {DatabaseFile}", output, StringComparison.Ordinal);
        Assert.Contains("stop it, or use PostgreSQL", output, StringComparison.Ordinal);

        // The first silo is unaffected.
        Assert.Null(first.ExitCode);
        using var client = await first.ConnectClientAsync();
    }

    [Fact]
    public async Task SiloOfAnotherService_OnTheSameFile_Starts()
    {
        var connectionString = $"--Storage:ConnectionString=Data Source={DatabaseFile}";
        await using var first = await SiloProcess.StartAsync(_directory, "--Storage:Provider=sqlite", connectionString);

        // Two services in one file are separate rings: rows are keyed by service id.
        var otherService = TestIds.New("other-service");
        await using var other = await SiloProcess.StartAsync(
            _directory, "--Storage:Provider=sqlite", connectionString, $"--Orleans:ServiceId={otherService}", $"--Orleans:ClusterId={otherService}");

        Assert.Null(first.ExitCode);
        Assert.Null(other.ExitCode);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }
}
