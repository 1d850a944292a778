using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using WorkSessions.Hosting;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// The Prometheus scrape endpoint and the Orleans Dashboard on the (cohosted) Gateway. Other tests share the Gateway, so
/// each count is asserted to be at least what this test caused.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ObservabilityTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Metrics_CountSessionsHeartbeatsAndCommands_WithOrleansAndAspNetCoreMeters()
    {
        // The scrape shows every meter of that name in the process, and other hosts run in this one: the counts are
        // read from this Gateway's own meters, the scrape is checked for the series.
        var factory = fixture.Services.GetRequiredService<IMeterFactory>();
        var counts = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, meterListener) =>
            {
                if (instrument.Meter.Name == "WorkSessions" && instrument.Meter.Scope == factory)
                {
                    meterListener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                key += $"|{tag.Key}={tag.Value}";
            }

            counts.AddOrUpdate(key, value, (_, total) => total + value);
        });
        listener.Start();

        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var agent = tenant.Agent("alice");
        await Http.AssertStatusAsync(await agent.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        await Http.AssertStatusAsync(await agent.PostAsync(Paths.MyActivity), HttpStatusCode.NoContent);
        await Http.AssertStatusAsync(await agent.PostAsync(Paths.MyActivity), HttpStatusCode.NoContent);
        await Http.AssertProblemAsync(await tenant.Agent("bob").PostAsync(Paths.MyActivity), HttpStatusCode.Conflict, "no_open_session");

        long Count(string key) => counts.GetValueOrDefault(key);
        Assert.True(Count("worksessions.sessions.started") >= 1, string.Join(", ", counts));
        Assert.True(Count("worksessions.heartbeats") >= 2, string.Join(", ", counts));
        Assert.True(Count("worksessions.commands|command=RecordMyActivity|outcome=ok") >= 2, string.Join(", ", counts));
        Assert.True(Count("worksessions.commands|command=RecordMyActivity|outcome=no_open_session") >= 1, string.Join(", ", counts));

        var response = await fixture.Http.GetAsync("/metrics");
        await Http.AssertStatusAsync(response, HttpStatusCode.OK);
        var scrape = await response.Content.ReadAsStringAsync();
        foreach (var series in new[]
        {
            "worksessions_sessions_started_total", "worksessions_heartbeats_total", "worksessions_sessions_open",
            "worksessions_commands_total", "orleans_", "http_server_request_duration_seconds",
        })
        {
            Assert.Contains(series, scrape, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Dashboard_IsForAdminsOnly()
    {
        var tenant = fixture.NewTenant();

        await Http.AssertProblemAsync(await new ApiClient(fixture.Http, null).GetAsync("/dashboard/"), HttpStatusCode.Unauthorized, "unauthorized");
        await Http.AssertProblemAsync(await tenant.Supervisor().GetAsync("/dashboard/"), HttpStatusCode.Forbidden, "forbidden");
        var page = await tenant.Admin().GetAsync("/dashboard/");
        await Http.AssertStatusAsync(page, HttpStatusCode.OK);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains(fixture.Services.GetServices<IIncomingGrainCallFilter>(), IsDashboards);
    }

    [Fact]
    public async Task Dashboard_TurnedOff_IsNeitherServedNorProfilingGrainCalls()
    {
        await using var gateway = new TestGateway(configure: settings => settings[DashboardSetting.Key] = "false");
        gateway.Start();
        var tenant = gateway.NewTenant();

        await Http.AssertProblemAsync(await tenant.Admin().GetAsync("/dashboard/"), HttpStatusCode.NotFound, "not_found");
        Assert.DoesNotContain(gateway.Services.GetServices<IIncomingGrainCallFilter>(), IsDashboards);
        await tenant.SetPreferencesAsync(enabled: true);
        await Http.AssertStatusAsync(await tenant.Agent("alice").PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
    }

    private static bool IsDashboards(IIncomingGrainCallFilter filter) =>
        filter.GetType().Namespace?.StartsWith("Orleans.Dashboard", StringComparison.Ordinal) == true;
}
