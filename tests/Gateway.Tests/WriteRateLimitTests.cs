using System.Globalization;
using System.Net;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// Every state-changing call is rate limited per user (tenant + sub), separately from heartbeats: a burst, then 429
/// <c>rate_limited</c> with Retry-After. A Gateway of its own, with one write a minute so no token comes back mid-test.
/// </summary>
public sealed class WriteRateLimitTests
{
    private const int Burst = 3;

    [Fact]
    public async Task StateChangingCalls_OverTheBurst_Are429_PerUser_AndHeartbeatsKeepTheirOwnBudget()
    {
        await using var gateway = new TestGateway(configure: settings =>
        {
            settings["Gateway:WritesPerMinute"] = "1";
            settings["Gateway:WriteBurst"] = Burst.ToString(CultureInfo.InvariantCulture);
        });
        gateway.Start();
        var tenant = gateway.NewTenant();
        var admin = tenant.Admin();
        await tenant.SetPreferencesAsync(enabled: true);
        var alice = tenant.Agent("alice");

        // Start, then status changes in a loop: the burst (the start included) passes, the rest are refused.
        await Http.AssertStatusAsync(await alice.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        var loop = new List<HttpResponseMessage>();
        for (var i = 0; i < Burst + 2; i++)
        {
            loop.Add(await alice.PutAsync(Paths.MyStatus, i % 2 == 0 ? new { status = "notReady", reason = (string?)"lunch" } : new { status = "ready", reason = (string?)null }));
        }

        Assert.True(Burst - 1 == loop.Count(r => r.StatusCode == HttpStatusCode.OK), string.Join(", ", loop.Select(r => (int)r.StatusCode)));
        var rejected = loop.Where(r => r.StatusCode != HttpStatusCode.OK).ToList();
        Assert.Equal(3, rejected.Count);
        foreach (var response in rejected)
        {
            await Http.AssertProblemAsync(response, HttpStatusCode.TooManyRequests, "rate_limited");
            var retryAfter = int.Parse(Assert.Single(response.Headers.GetValues("Retry-After")), NumberStyles.None, CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 60);
        }

        // Every kind of state-changing call counts against the same budget.
        await Http.AssertProblemAsync(await alice.DeleteAsync(Paths.MyWorkSession), HttpStatusCode.TooManyRequests, "rate_limited");
        await Http.AssertProblemAsync(await alice.PostAsync(Paths.MyContinue), HttpStatusCode.TooManyRequests, "rate_limited");
        await Http.AssertProblemAsync(await alice.PostAsync(Paths.MyWorkSession), HttpStatusCode.TooManyRequests, "rate_limited");

        // Reads are not limited, and heartbeats have a budget of their own.
        await Http.AssertStatusAsync(await alice.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        await Http.AssertStatusAsync(await alice.PostAsync(Paths.MyActivity), HttpStatusCode.NoContent);

        // Another user of the same tenant still gets through; the admin's preference updates and a supervisor's ends
        // are limited per user too (the admin spent one write above).
        var bob = tenant.Agent("bob");
        await Http.AssertStatusAsync(await bob.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        for (var i = 1; i < Burst; i++)
        {
            await tenant.SetPreferencesAsync(enabled: true);
        }

        await Http.AssertProblemAsync(
            await admin.PutAsync(Paths.Preferences, new { workSessionsEnabled = true, autoEndEnabled = false, inactivityTimeoutSeconds = 60, gracePeriodSeconds = 30 }),
            HttpStatusCode.TooManyRequests, "rate_limited");
        var supervisor = tenant.Supervisor();
        var ends = new List<HttpStatusCode>();
        for (var i = 0; i < Burst + 1; i++)
        {
            ends.Add((await supervisor.PostAsync(Paths.EndAgent("bob"), new { note = "loop" })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, ends[^1]);
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, ends[..Burst]);
    }
}
