using System.Net;
using System.Net.Sockets;
using WorkSessions.Hosting;
using WorkSessions.Webhooks;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// The request timeout as the delivery log reports it: a receiver that never answers is given the whole
/// <c>Webhooks:RequestTimeout</c>, measured on the clock the logged latency comes from, before the attempt is logged as
/// "no answer within …". The runtime's timers count on a coarse clock and can fire a few milliseconds early, so a
/// timeout armed for exactly the limit sometimes logs a latency just under it.
/// </summary>
public sealed class WebhookSenderTimeoutTests
{
    [Fact]
    public async Task Sender_GivesASilentReceiverTheWholeRequestTimeout_BeforeLoggingNoAnswer()
    {
        // Accepts connections (the kernel completes them from the backlog) and never answers.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var url = new Uri($"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/hook");
            var timeout = TimeSpan.FromMilliseconds(100);
            using var sender = new WebhookHttpSender(Microsoft.Extensions.Options.Options.Create(
                new WebhookOptions { PublicHttpsOnly = false, RequestTimeout = timeout }));

            // Each attempt is one independent sample of where the timer's clock tick falls.
            var latencies = new List<double>();
            for (var i = 0; i < 50; i++)
            {
                var request = new WebhookRequest(url, Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "v1,x", "{}");
                var outcome = await sender.SendAsync(request, CancellationToken.None);
                Assert.Equal((null, "no answer within 0.1 s"), (outcome.StatusCode, outcome.Error));
                latencies.Add(outcome.Latency.TotalMilliseconds);
            }

            var cutShort = latencies.Where(latency => latency < timeout.TotalMilliseconds).ToList();
            Assert.True(cutShort.Count == 0, $"{cutShort.Count} of {latencies.Count} attempts were cut off early: {string.Join(", ", cutShort.Select(l => l.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))} ms");
        }
        finally
        {
            silent.Stop();
        }
    }
}
