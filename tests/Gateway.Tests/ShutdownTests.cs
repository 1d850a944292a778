using System.Net;

namespace WorkSessions.Gateway.Tests;

/// <summary>A Gateway of its own, to stop while an agent's event stream is connected.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task StoppingTheGateway_EndsConnectedEventStreams_Promptly()
    {
        var gateway = new GatewayFixture();
        await gateway.InitializeAsync();
        try
        {
            var agent = gateway.NewTenant().Agent("alice");
            await using var events = await EventStream.OpenAsync(agent);
            Assert.Equal("snapshot", (await events.NextAsync()).Name);
            var stopping = TimeProvider.System.GetTimestamp();

            // Agents stay connected all shift: the Gateway must not wait for them to leave before it can stop.
            await gateway.StopHostAsync().WaitAsync(TimeSpan.FromSeconds(60));

            var elapsed = TimeProvider.System.GetElapsedTime(stopping);
            Assert.True(elapsed < TimeSpan.FromSeconds(10), $"Stopping took {elapsed.TotalSeconds:F1} s with an event stream open.");
            // The stream says why it closed, then ends.
            var closed = await events.NextAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(("stream-closed", "{\"reason\":\"shutdown\"}"), (closed.Name, closed.Data));
            await Assert.ThrowsAnyAsync<IOException>(() => events.NextAsync(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }
}
