using System.Net;
using WorkSessions.TestSupport;
using Xunit.Abstractions;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// A client-mode Gateway on a fresh PostgreSQL database, started before any silo (issue 9: it crashed reading the
/// Orleans query table nobody had created). It must migrate, stay alive and unready while no silo is up, answer API
/// calls with 503 and <c>Retry-After</c>, and become ready on its own when silos arrive. Real silo processes.
/// </summary>
[Collection(ClientModeCollection.Name)]
public sealed class StartOrderTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task GatewayStartedBeforeAnySilo_OnAnEmptyDatabase_IsLiveNotReady_ThenReadyWhenSilosArrive()
    {
        await using var database = await TestPostgres.CreateAsync();
        var clusterId = TestIds.New("start-order");
        await using var gateway = new TestGateway(configure: settings =>
        {
            settings["Orleans:Mode"] = "client";
            settings["Orleans:ClusterId"] = clusterId;
            settings.Remove("Orleans:SiloPort");
            settings["Storage:Provider"] = "postgres";
            settings["Storage:ConnectionString"] = database.ConnectionString;
        });
        var http = gateway.Start();

        await Http.AssertStatusAsync(await http.GetAsync("/health/live"), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
        var tenant = gateway.NewTenant();
        var early = await tenant.Agent("alice").GetAsync(Paths.MyWorkSession);
        await Http.AssertProblemAsync(early, HttpStatusCode.ServiceUnavailable, "service_unavailable");
        Assert.NotNull(early.Headers.RetryAfter);

        // Two silos at once on the database the Gateway is migrating: all three take the migration lock in turn.
        var directory = Directory.CreateTempSubdirectory("work-sessions-start-order-").FullName;
        string[] arguments =
        [
            "--Storage:Provider=postgres", $"--Storage:ConnectionString={database.ConnectionString}", $"--Orleans:ClusterId={clusterId}",
        ];
        var silos = await Task.WhenAll(SiloProcess.StartAsync(directory, arguments), SiloProcess.StartAsync(directory, arguments));
        try
        {
            var started = TimeProvider.System.GetTimestamp();
            await Eventually.UntilAsync(
                async () => (await http.GetAsync("/health/ready")).StatusCode, status => status == HttpStatusCode.OK, Bound, "the Gateway to become ready");
            output.WriteLine($"ready {TimeProvider.System.GetElapsedTime(started).TotalSeconds:F1} s after the silos listened");

            await tenant.SetPreferencesAsync(enabled: true);
            var view = await tenant.Agent("alice").PostAsync(Paths.MyWorkSession);
            await Http.AssertStatusAsync(view, HttpStatusCode.Created);

            // Every script applied exactly once, whoever got the lock first.
            var scripts = typeof(WorkSessions.Storage.WorkSessionsDatabase).Assembly.GetManifestResourceNames()
                .Count(name => name.StartsWith("WorkSessions.Storage.Migrations.postgres.", StringComparison.Ordinal));
            Assert.Equal(scripts, await database.ScalarAsync<int>("SELECT count(*) FROM schemaversions"));
            Assert.Equal(scripts, await database.ScalarAsync<int>("SELECT count(DISTINCT scriptname) FROM schemaversions"));
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }

            Directory.Delete(directory, recursive: true);
        }
    }
}
