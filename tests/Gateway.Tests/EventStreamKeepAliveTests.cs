namespace WorkSessions.Gateway.Tests;

/// <summary>Idle <c>GET /me/events</c> and <c>GET /events</c> streams send comment lines, so proxies do not close them (<c>Gateway:EventStreamKeepAlive</c>).</summary>
public sealed class EventStreamKeepAliveTests
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task IdleStream_ReceivesAKeepAliveComment_EveryInterval()
    {
        await using var gateway = new TestGateway(configure: settings => settings["Gateway:EventStreamKeepAlive"] = "00:00:01");
        gateway.Start();
        var agent = gateway.NewTenant().Agent("alice");
        await using var events = await EventStream.OpenAsync(agent);
        Assert.Equal("snapshot", (await events.NextAsync()).Name);
        var idleSince = TimeProvider.System.GetTimestamp();

        Assert.Equal(": keep-alive", await events.NextCommentAsync(KeepAlive * 3));
        Assert.Equal(": keep-alive", await events.NextCommentAsync(KeepAlive * 3));

        // Two comments take two intervals: one per interval, not a flood.
        var idle = TimeProvider.System.GetElapsedTime(idleSince);
        Assert.True(idle >= KeepAlive * 1.5, $"two keep-alive comments arrived within {idle}");
    }

    [Fact]
    public async Task IdleEventFeed_ReceivesAKeepAliveComment_EveryInterval()
    {
        await using var gateway = new TestGateway(configure: settings => settings["Gateway:EventStreamKeepAlive"] = "00:00:01");
        gateway.Start();
        var supervisor = gateway.NewTenant().Supervisor();
        await using var feed = await EventStream.OpenAsync(supervisor, Paths.Feed, request => request.Headers.Accept.ParseAdd("text/event-stream"));
        var idleSince = TimeProvider.System.GetTimestamp();

        Assert.Equal(": keep-alive", await feed.NextCommentAsync(KeepAlive * 3));
        Assert.Equal(": keep-alive", await feed.NextCommentAsync(KeepAlive * 3));

        var idle = TimeProvider.System.GetElapsedTime(idleSince);
        Assert.True(idle >= KeepAlive * 1.5, $"two keep-alive comments arrived within {idle}");
    }
}
