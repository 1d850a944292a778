namespace WorkSessions.Gateway.Tests;

/// <summary>An idle <c>GET /me/events</c> sends comment lines, so proxies do not close it (<c>Gateway:EventStreamKeepAlive</c>).</summary>
public sealed class EventStreamKeepAliveTests
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task IdleStream_ReceivesAKeepAliveComment_EveryInterval()
    {
        await using var gateway = new StandaloneGateway(configure: settings => settings["Gateway:EventStreamKeepAlive"] = "00:00:01");
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
}
