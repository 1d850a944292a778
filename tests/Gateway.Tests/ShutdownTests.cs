using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WorkSessions.Contracts.Reports;
using WorkSessions.TestSupport;

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

    /// <summary>Not-ready reasons of the longest allowed kind, so each preferences change is a large feed event.</summary>
    private static string[] LongReasons(int change) =>
        [.. Enumerable.Range(0, 20).Select(reason => $"Change {change:D4} reason {reason:D2} ".PadRight(40, 'x'))];

    /// <summary>
    /// A supervisor's feed stream whose reader has stopped reading: the Gateway's write of an event waits on it when the
    /// host stops. Kestrel aborts the connection when a write is cancelled mid-flight, so a write that the shutdown
    /// cancelled would cut the stream off without its farewell; the reader, reading again, must find
    /// <c>stream-closed</c> last.
    /// </summary>
    [Fact]
    public async Task StoppingTheGateway_WhileAFeedWriteWaitsOnTheReader_StillEndsTheFeedWithStreamClosed()
    {
        // About 1.2 kB each: several times what Kestrel's 64 kB response buffer and both sockets' small buffers hold.
        const int Changes = 400;
        var gateway = new GatewayFixture
        {
            // A small send buffer on the Gateway's sockets (accepted sockets inherit it from the listening one), or the
            // kernel grows it to megabytes and the whole feed fits in it.
            ConfigureServices = services => services.Configure<SocketTransportOptions>(sockets => sockets.CreateBoundListenSocket = endpoint =>
            {
                var listener = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                listener.SendBufferSize = 8192;
                return listener;
            }),
        };
        await gateway.InitializeAsync();
        try
        {
            var tenant = gateway.NewTenant();
            var admin = tenant.Admin();
            for (var change = 0; change < Changes; change++)
            {
                var saved = await admin.PutAsync(Paths.Preferences, new
                {
                    workSessionsEnabled = true,
                    autoEndEnabled = false,
                    inactivityTimeoutSeconds = 600,
                    gracePeriodSeconds = 60,
                    notReadyReasons = LongReasons(change),
                });
                await Http.AssertStatusAsync(saved, HttpStatusCode.OK);
            }

            var supervisor = tenant.Supervisor();
            var feed = await Eventually.UntilAsync(
                async () => await Http.ReadAsync<ReportPage<FeedEvent>>(await supervisor.GetAsync($"{Paths.Feed}?limit=1000"), HttpStatusCode.OK),
                page => page.Items.Count >= Changes, TimeSpan.FromSeconds(60), $"{Changes} events in the feed");
            var lastPosition = feed.Items[^1].Position;

            // Registered before the stream opens, so it runs after the stream's own registration (a token runs its
            // callbacks newest first): the reader reads again only once the stream has been told to end.
            var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var onStopping = gateway.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());

            // A reader with a small receive buffer that reads nothing until the host stops.
            Socket? readerSocket = null;
            using var slowReader = new HttpClient(new SocketsHttpHandler
            {
                UseProxy = false,
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    readerSocket = socket;
                    return new NetworkStream(socket, ownsSocket: true);
                },
            })
            {
                BaseAddress = gateway.Http.BaseAddress,
                Timeout = Timeout.InfiniteTimeSpan,
            };
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{Paths.Feed}?after=0");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", supervisor.Token);
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await slowReader.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            await Http.AssertStatusAsync(response, HttpStatusCode.OK);
            await using var body = await response.Content.ReadAsStreamAsync();

            // The Gateway's writes wait on the reader once the bytes waiting in its socket stop growing.
            var waiting = -1;
            await Eventually.UntilAsync(
                () =>
                {
                    var now = readerSocket!.Available;
                    var still = now > 0 && now == waiting;
                    waiting = now;
                    return still;
                },
                TimeSpan.FromSeconds(60), "the Gateway's writes to wait on the reader", TimeSpan.FromMilliseconds(250));

            var stop = gateway.StopHostAsync();
            await stopping.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var (text, failure) = await ReadToEndAsync(body, TimeSpan.FromSeconds(30));
            await stop.WaitAsync(TimeSpan.FromSeconds(60));

            var frames = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Where(frame => !frame.StartsWith(':')).ToList();
            var last = frames.LastOrDefault() ?? "";
            Assert.True(last.StartsWith("event: stream-closed\n", StringComparison.Ordinal),
                $"The feed ended after {frames.Count} events ({text.Length} characters, {(failure is null ? "a clean end" : failure.GetType().Name + ": " + failure.Message)}) "
                + $"without stream-closed; its last frame: {last[..Math.Min(last.Length, 120)]}");
            Assert.Equal("event: stream-closed\ndata: {\"reason\":\"shutdown\"}", last);
            // The write that waited was in the middle of the feed, not after its end.
            var lastDelivered = frames[^2].Split('\n')[0];
            Assert.True(lastDelivered != $"id: {lastPosition}", "The reader's buffers held the whole feed: the test needs more events to make a write wait.");
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    /// <summary>Everything the stream still holds, and the exception that ended it if it did not end cleanly.</summary>
    private static async Task<(string Text, Exception? Failure)> ReadToEndAsync(Stream body, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var bytes = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancel.Token)) > 0)
            {
                bytes.Write(buffer, 0, read);
            }

            return (Encoding.UTF8.GetString(bytes.ToArray()), null);
        }
        catch (IOException exception)
        {
            return (Encoding.UTF8.GetString(bytes.ToArray()), exception);
        }
    }
}
