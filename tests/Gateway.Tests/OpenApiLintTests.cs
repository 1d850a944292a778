using System.Diagnostics;
using WorkSessions.TestSupport;

namespace WorkSessions.Gateway.Tests;

/// <summary>The OpenAPI document passes Redocly's recommended rules with no errors (the CLI is installed by test.sh).</summary>
[Collection(GatewayCollection.Name)]
public sealed class OpenApiLintTests(GatewayFixture fixture)
{
    [Fact]
    public async Task OpenApiDocument_PassesRedoclysRecommendedRules()
    {
        var cli = Path.Combine(RepositoryRoot(), "tools", "redocly", "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(cli), $"Redocly CLI is missing at {cli}: run ./test.sh, or npm ci --prefix tools/redocly.");
        var document = Path.Combine(Directory.CreateTempSubdirectory("work-sessions-openapi-").FullName, "openapi.json");
        await File.WriteAllTextAsync(document, await fixture.Http.GetStringAsync("/openapi/v1.json"));

        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "lint", document, "--extends=recommended", "--format=stylish" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var lint = Process.Start(start)!;
        var output = lint.StandardOutput.ReadToEndAsync();
        var errors = lint.StandardError.ReadToEndAsync();
        await lint.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(lint.ExitCode == 0, $"redocly lint exited {lint.ExitCode}:\n{await output}\n{await errors}");
    }

    private static string RepositoryRoot() => RepositoryPaths.Root;
}
