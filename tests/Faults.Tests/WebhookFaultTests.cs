using System.Globalization;
using System.Text.Json.Nodes;
using WorkSessions.Faults.Tests.Infrastructure;
using WorkSessions.TestSupport;
using Xunit.Abstractions;
using static WorkSessions.Faults.Tests.Infrastructure.FaultRun;

namespace WorkSessions.Faults.Tests;

/// <summary>
/// Webhooks under faults with real processes: 2 silos and 2 client-mode Gateways on PostgreSQL, a receiver on loopback
/// that checks every signature with the StandardWebhooks package, and agents making events all along through both
/// Gateways. Faults, one after the other: the receiver answers 500, the receiver is down, the silo that hosts the
/// endpoint's deliverer is SIGKILLed while a delivery is in flight, together with a Gateway, both started again. Then
/// every feed event was accepted at least once, first arrivals in feed order, none sent before every earlier one was
/// accepted, repeats only of the same webhook-id with the same body; the delivery in flight at the kill came again.
/// </summary>
public sealed class WebhookFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private readonly FaultRun _run = new(output, "webhook-faults");

    [Fact]
    public Task Deliveries_RideThroughReceiverFaults_ASiloKillMidDelivery_AndAGatewayRestart_NoneSkipped() =>
        _run.RunAsync(
            () => FaultCluster.StartAsync(
                silos: 2,
                "--Webhooks:AllowedHosts:0=127.0.0.1",
                "--Webhooks:RetryDelays:0=00:00:00.200",
                "--Webhooks:RetryDelays:1=00:00:01",
                "--Webhooks:PollInterval=00:00:00.500"),
            RunAsync);

    private async Task RunAsync(FaultCluster cluster)
    {
        using var traffic = new Traffic(cluster);
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = TestIds.NewTenantId();
        var admin = traffic.Token(tenant, "admin-1", "admin");
        await Eventually.UntilAsync(
            async () => (await traffic.CallAsync(0, HttpMethod.Put, "/api/v1/preferences/work-sessions", admin,
                new { workSessionsEnabled = true, autoEndEnabled = false, inactivityTimeoutSeconds = 60, gracePeriodSeconds = 30 })).Status,
            status => status == 200, Bound, "the preferences to be stored");

        var (createdStatus, created) = await traffic.CallAsync(0, HttpMethod.Post, "/api/v1/webhooks", admin, new { url = receiver.Url });
        Assert.Equal(201, createdStatus);
        var webhookId = created!["webhookId"]!.GetValue<string>();
        var start = created["webhook"]!["deliveredPosition"]!.GetValue<long>();
        receiver.Trust(created["secret"]!.GetValue<string>());
        var key = $"tenant/{tenant}/{webhookId}";

        using var stop = new CancellationTokenSource();
        var producing = Task.WhenAll(Enumerable.Range(0, 4).Select(i => ProduceAsync(traffic, tenant, $"agent-{i}", i % 2, stop.Token)));

        // The receiver answers 500 for a while.
        var failures = 0;
        receiver.Answer = _ => Interlocked.Increment(ref failures) <= 5 ? (500, TimeSpan.Zero) : (204, TimeSpan.FromMilliseconds(20));
        await Eventually.UntilAsync(() => receiver.Accepted.Count >= 10, Bound, "deliveries after the 500s");
        _run.Figure($"receiver answered 500 five times; {receiver.Accepted.Count} accepted since");

        // The receiver is down until an attempt has failed for it (the endpoint waits for a retry), however long that takes.
        await receiver.StopAsync();
        var down = TimeProvider.System.GetTimestamp();
        await Eventually.UntilAsync(
            async () => (await traffic.CallAsync(0, HttpMethod.Get, $"/api/v1/webhooks/{webhookId}", admin)).Body?["nextAttemptAt"],
            next => next is JsonValue, Bound, "a failed attempt while the receiver is down");
        var downFor = Seconds(down);
        await receiver.StartAgainAsync();
        await Eventually.UntilAsync(() => receiver.Accepted.Count >= 20, Bound, "deliveries after the receiver came back");
        _run.Figure($"receiver down {downFor} (until an attempt failed); deliveries resumed, {Seconds(down)} after it went down");

        // SIGKILL the silo hosting the deliverer while a delivery is in flight, and a Gateway with it: deliveries run in
        // the silos, and the Gateway's restart only has to bring the API back.
        // Answered 5 s after it arrives: the kill lands while the delivery is in flight however slowly this machine kills.
        receiver.Answer = _ => (204, TimeSpan.FromSeconds(5));
        // The host is the live silo that logged the deliverer's start last: one that hosted it before (the deliverer moves
        // when a busy silo is voted dead) has the line too, and killing it would leave the delivery in flight untouched.
        var host = await Eventually.UntilAsync(
            () => Task.FromResult(cluster.Silos.Where(silo => silo.ExitCode is null && silo.LastLineWith($"Webhook {key} delivers on this silo") is not null)
                .MaxBy(silo => silo.LastLineWith($"Webhook {key} delivers on this silo"))),
            silo => silo is not null, Bound, "the silo hosting the deliverer");
        await Eventually.UntilAsync(() => receiver.InFlight > 0, Bound, "a delivery in flight", TimeSpan.FromMilliseconds(5));
        var inFlight = receiver.InFlightId!;
        var killedAt = TimeProvider.System.GetTimestamp();
        var accepted = receiver.Accepted.Count;
        await host!.KillAsync();
        await cluster.Gateways[0].KillAsync();
        var replacements = Task.WhenAll(cluster.StartSiloAsync(), cluster.StartGatewayAsync(0));
        await Eventually.UntilAsync(
            () => receiver.Deliveries.Count(d => d.WebhookId == inFlight) >= 2, Bound, "the delivery in flight at the kill to come again");
        _run.Figure($"silo hosting the deliverer SIGKILLed mid-delivery: that event came again after {Seconds(killedAt)}");
        receiver.Answer = _ => (204, TimeSpan.Zero);
        await Eventually.UntilAsync(() => receiver.Accepted.Count >= accepted + 20, Bound, "deliveries after the silo kill");
        await replacements;
        await Eventually.UntilAsync(
            async () => (await traffic.CallAsync(0, HttpMethod.Get, $"/api/v1/webhooks/{webhookId}", admin)).Status,
            status => status == 200, Bound, "the restarted Gateway to answer");
        _run.Figure($"Gateway SIGKILLed with the silo and started again: answering after {Seconds(killedAt)}");

        // Traffic goes on through the restarted Gateway until twelve more events are delivered: a round of the four agents'
        // start, status change and end, rather than a fixed time.
        var afterRestart = receiver.Accepted.Count;
        await Eventually.UntilAsync(() => receiver.Accepted.Count >= afterRestart + 12, Bound, "events made after the restarts to be delivered");
        await stop.CancelAsync();
        await producing;

        var feed = await Eventually.UntilAsync(
            async () =>
            {
                var events = await FeedAsync(traffic, admin, start);
                var acceptedIds = receiver.Accepted.Select(d => d.WebhookId).ToHashSet();
                return (events, done: events.All(e => acceptedIds.Contains(e.EventId)));
            },
            result => result.done, Bound, "every feed event to be accepted");
        var violations = WebhookOrder.Violations(receiver.Deliveries, feed.events);
        Assert.True(violations.Count == 0, string.Join("\n", violations.Take(20)));
        var repeats = receiver.Deliveries.Count - receiver.Deliveries.Select(d => d.WebhookId).Distinct().Count();
        _run.Figure($"{feed.events.Count} events, {receiver.Deliveries.Count} deliveries ({repeats} repeats of the same webhook-id), all verified, in feed order, none skipped");
    }

    /// <summary>An agent that starts, changes status and ends, over and over, alternating Gateways.</summary>
    private static async Task ProduceAsync(Traffic traffic, string tenant, string agentId, int gateway, CancellationToken stop)
    {
        var token = traffic.Token(tenant, agentId, "agent");
        while (!stop.IsCancellationRequested)
        {
            await traffic.CallWithRetryAsync(gateway, HttpMethod.Post, "/api/v1/me/work-session", token, status => status is 200 or 201, new { status = "ready" });
            await traffic.CallWithRetryAsync(gateway, HttpMethod.Put, "/api/v1/me/status", token, status => status is 200 or 409 or 400, new { status = "notReady", reason = "Lunch" });
            await traffic.CallWithRetryAsync(gateway, HttpMethod.Delete, "/api/v1/me/work-session", token, status => status is 200 or 409);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(400), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<List<(long Position, string EventId)>> FeedAsync(Traffic traffic, string token, long after)
    {
        var events = new List<(long, string)>();
        while (true)
        {
            var (status, page) = await traffic.CallAsync(1, HttpMethod.Get, $"/api/v1/events?after={after.ToString(CultureInfo.InvariantCulture)}&limit=1000", token);
            Assert.Equal(200, status);
            var items = page!["items"]!.AsArray();
            foreach (var item in items.OfType<JsonNode>())
            {
                after = item["position"]!.GetValue<long>();
                events.Add((after, item["eventId"]!.GetValue<string>()));
            }

            if (items.Count < 1000)
            {
                return events;
            }
        }
    }
}
