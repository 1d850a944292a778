using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WorkSessions.Gateway.Hosting;

namespace WorkSessions.Gateway.Tests;

/// <summary>Heartbeats are rate limited per agent: a burst, then 429 with Retry-After; other agents are unaffected.</summary>
[Collection(GatewayCollection.Name)]
public sealed class RateLimitTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Heartbeats_OverTheBurst_Are429_ForThatAgentOnly()
    {
        var burst = fixture.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.HeartbeatBurst;
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var alice = tenant.Agent("alice");
        var bob = tenant.Agent("bob");
        await Http.AssertStatusAsync(await alice.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        await Http.AssertStatusAsync(await bob.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        const int extra = 3;

        var responses = await Task.WhenAll(Enumerable.Range(0, burst + extra).Select(_ => alice.PostAsync(Paths.MyActivity)));

        // One heartbeat a minute is configured, so no token comes back while the test runs: exactly the burst passes.
        Assert.Equal(burst, responses.Count(r => r.StatusCode == HttpStatusCode.NoContent));
        var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(extra, rejected.Count);
        foreach (var response in rejected)
        {
            await Http.AssertProblemAsync(response, HttpStatusCode.TooManyRequests, "rate_limited");
            var retryAfter = int.Parse(Assert.Single(response.Headers.GetValues("Retry-After")), NumberStyles.None, CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 60);
        }

        // Another agent of the same tenant, and an agent of the same name in another tenant, still get through.
        await Http.AssertStatusAsync(await bob.PostAsync(Paths.MyActivity), HttpStatusCode.NoContent);
        var otherTenant = fixture.NewTenant();
        await otherTenant.SetPreferencesAsync(enabled: true);
        await Http.AssertStatusAsync(await otherTenant.Agent("alice").PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        await Http.AssertStatusAsync(await otherTenant.Agent("alice").PostAsync(Paths.MyActivity), HttpStatusCode.NoContent);

        // Only heartbeats are limited: the limited agent's other calls still work.
        await Http.AssertStatusAsync(await alice.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        await Http.AssertProblemAsync(await alice.PostAsync(Paths.MyActivity), HttpStatusCode.TooManyRequests, "rate_limited");
    }
}
