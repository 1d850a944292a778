using System.Net;
using System.Text.Json.Nodes;

namespace WorkSessions.Gateway.Tests;

/// <summary>One agent cannot hold unbounded event streams, and no stream outlives its token.</summary>
[Collection(GatewayCollection.Name)]
public sealed class EventStreamLimitTests(GatewayFixture fixture)
{
    private const int Cap = 5; // GatewayOptions.MaxEventStreamsPerAgent's default

    [Fact]
    public async Task OneStreamMoreThanTheCap_ClosesTheOldest_AndKeepsTheRest()
    {
        var tenant = fixture.NewTenant();
        var alice = tenant.Agent("alice");
        var streams = new List<EventStream>();
        try
        {
            for (var i = 0; i < Cap + 1; i++)
            {
                var stream = await EventStream.OpenAsync(alice);
                Assert.Equal("snapshot", (await stream.NextAsync()).Name);
                streams.Add(stream);
            }

            var closed = await streams[0].NextAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("stream-closed", closed.Name);
            Assert.Equal("superseded", JsonNode.Parse(closed.Data)!["reason"]!.GetValue<string>());
            await Assert.ThrowsAsync<EndOfStreamException>(() => streams[0].NextAsync(TimeSpan.FromSeconds(30)));

            // The others still relay events.
            await Http.AssertStatusAsync(await tenant.Admin().PutAsync(Paths.Preferences, Preferences(enabled: true)), HttpStatusCode.OK);
            await Http.AssertStatusAsync(await alice.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
            foreach (var open in streams.Skip(1))
            {
                await open.NextNamedAsync("session-started", "snapshot", "status-changed");
            }
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task StreamWithAShortLivedToken_EndsWhenTheTokenExpires()
    {
        var tenantId = GatewayFixture.NewTenantId();
        var token = fixture.Tokens.Issue(tenantId, "bob", ["agent"], TimeSpan.FromSeconds(3));
        await using var stream = await EventStream.OpenAsync(new ApiClient(fixture.Http, token));
        Assert.Equal("snapshot", (await stream.NextAsync()).Name);

        var closed = await stream.NextAsync(TimeSpan.FromSeconds(40));

        Assert.Equal("stream-closed", closed.Name);
        Assert.Equal("token-expired", JsonNode.Parse(closed.Data)!["reason"]!.GetValue<string>());
        await Assert.ThrowsAsync<EndOfStreamException>(() => stream.NextAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task RequestWithTooManyHeaders_Gets431()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        for (var i = 0; i < 60; i++)
        {
            request.Headers.TryAddWithoutValidation($"X-Many-{i}", "x");
        }

        using var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    private static object Preferences(bool enabled) =>
        new { workSessionsEnabled = enabled, autoEndEnabled = false, inactivityTimeoutSeconds = 60, gracePeriodSeconds = 30 };
}
