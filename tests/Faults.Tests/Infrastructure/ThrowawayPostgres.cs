using System.Diagnostics;
using WorkSessions.TestSupport;

namespace WorkSessions.Faults.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL server of the suite's own (scripts/postgres.sh), so restarting it disturbs no other test. It keeps its
/// port across a restart, as a database server behind a fixed address does.
/// </summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ws-faults-pg-" + Guid.NewGuid().ToString("N")[..8]);

    private ThrowawayPostgres()
    {
    }

    public string ConnectionString { get; private set; } = "";

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var server = new ThrowawayPostgres();
        server.ConnectionString = (await server.RunAsync("start")).Trim();
        return server;
    }

    /// <summary>A fast shutdown: open connections are cut, as when the database host goes away.</summary>
    public Task StopAsync() => RunAsync("stop");

    public async Task RestartAsync()
    {
        var again = (await RunAsync("start")).Trim();
        if (again != ConnectionString)
        {
            throw new InvalidOperationException($"PostgreSQL came back as {again}, not {ConnectionString}.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync("stop");
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A temp directory left behind is harmless.
            }
            catch (UnauthorizedAccessException)
            {
                // Likewise.
            }
        }
    }

    private async Task<string> RunAsync(string command)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "scripts", "postgres.sh"));
        start.ArgumentList.Add(command);
        start.ArgumentList.Add(_directory);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"postgres.sh {command} failed ({process.ExitCode}): {await error}");
        }

        return await output;
    }
}
