using System.Globalization;
using System.Net;
using WorkSessions.Contracts.Reports;
using WorkSessions.Contracts.Webhooks;
using WorkSessions.Gateway.Apis;
using WorkSessions.Hosting;
using WorkSessions.TestSupport;
using WorkSessions.Webhooks;
using Xunit.Abstractions;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// A Gateway with its silo on real time delivering to a receiver on 127.0.0.1 that checks every signature with the
/// StandardWebhooks package: feed order, none skipped, repeats only of the same webhook-id, through a receiver that
/// answers 500, goes down, and answers after 15 s (past the 10 s timeout). Prints the delivery figures.
/// </summary>
public sealed class WebhookDeliveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private TestGateway _gateway = null!;
    private TestTenant _tenant = null!;

    public Task InitializeAsync()
    {
        _gateway = new TestGateway(configure: settings =>
        {
            settings["Webhooks:AllowedHosts:0"] = "127.0.0.1";
            settings["Webhooks:RetryDelays:0"] = "00:00:00.200";
            settings["Webhooks:RetryDelays:1"] = "00:00:00.500";
            settings["Webhooks:PollInterval"] = "00:00:00.500";
            // Every attempt of the run stays in the log the assertions read: on a slow machine the receiver's down time
            // makes more retries, and the default 100 would drop the first failures.
            settings["Webhooks:DeliveryLogSize"] = "1000";
            settings["Gateway:WritesPerMinute"] = "60000";
            settings["Gateway:WriteBurst"] = "10000";
        });
        _gateway.Start();
        _tenant = _gateway.NewTenant();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Deliveries_VerifiedByStandardWebhooks_InFeedOrder_NoneSkipped_WithFigures()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var created = await CreateAsync(receiver);

        var started = DateTimeOffset.UtcNow;
        await MakeEventsAsync(agents: 25);
        var feed = await WaitForAllAsync(receiver, created);
        var elapsed = receiver.Accepted[^1].ReceivedAt - started;
        Assert.Empty(WebhookOrder.Violations(receiver.Deliveries, feed));

        Assert.All(receiver.Deliveries, delivery => Assert.Equal([0], delivery.VerifiedWith));
        var lags = receiver.Accepted.Select(d => (d.ReceivedAt - d.At!.Value).TotalMilliseconds).ToList();

        // Lag of single events on an idle endpoint: one status change at a time, each once the previous one arrived.
        var agent = _tenant.Agent("trickle");
        await Http.AssertStatusAsync(await agent.PostAsync(Paths.MyWorkSession, new { status = "ready" }), HttpStatusCode.Created);
        var singles = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var count = receiver.Accepted.Count;
            await Http.AssertStatusAsync(await agent.PutAsync(Paths.MyStatus, i % 2 == 0 ? new { status = "notReady", reason = (string?)"Lunch" } : new { status = "ready", reason = (string?)null }), HttpStatusCode.OK);
            await Eventually.UntilAsync(() => receiver.Accepted.Count > count, Wait, "the status change to arrive", TimeSpan.FromMilliseconds(5));
            var arrived = receiver.Accepted[^1];
            singles.Add((arrived.ReceivedAt - arrived.At!.Value).TotalMilliseconds);
        }

        feed = await WaitForAllAsync(receiver, created);
        Assert.Empty(WebhookOrder.Violations(receiver.Deliveries, feed));

        // Throughput of one endpoint: the whole feed again, as fast as the receiver takes it.
        var before = receiver.Deliveries.Count;
        await Http.AssertStatusAsync(await _tenant.Admin().PostAsync($"/api/v1/webhooks/{created.WebhookId}/replay", new { after = 0 }), HttpStatusCode.OK);
        await Eventually.UntilAsync(() => receiver.Deliveries.Count - before >= feed.Count, Wait, "the replay of the whole feed");
        var replayed = receiver.Deliveries.Skip(before).ToList();
        Assert.Equal(feed.Select(e => e.EventId), replayed.Select(d => d.WebhookId));
        var replaySeconds = (replayed[^1].ReceivedAt - replayed[0].ReceivedAt).TotalSeconds;

        Report(
            $"[webhook-figures] burst of {lags.Count} events from 25 agents at once: lag p50 {WebhookOrder.Percentile(lags, 50):F0} ms, p99 {WebhookOrder.Percentile(lags, 99):F0} ms, "
            + $"all delivered {elapsed.TotalSeconds:F2} s after the first call; single events on an idle endpoint: lag p50 {WebhookOrder.Percentile(singles, 50):F0} ms, "
            + $"p99 {WebhookOrder.Percentile(singles, 99):F0} ms; replay of {feed.Count} events: {(feed.Count - 1) / replaySeconds:F0} events/s to one endpoint");

        var log = await Http.ReadAsync<ReportPage<WebhookDelivery>>(await _tenant.Admin().GetAsync($"/api/v1/webhooks/{created.WebhookId}/deliveries?limit=3"), HttpStatusCode.OK);
        Assert.Equal(3, log.Items.Count);
        Assert.All(log.Items, d => Assert.Equal((204, (string?)null, 1), (d.StatusCode, d.Error, d.Attempt)));
        Assert.Equal(feed[^1].Position, log.Items[0].Position);
        var next = await Http.ReadAsync<ReportPage<WebhookDelivery>>(
            await _tenant.Admin().GetAsync($"/api/v1/webhooks/{created.WebhookId}/deliveries?limit=3&cursor={log.NextCursor}"), HttpStatusCode.OK);
        Assert.Equal(feed[^4].Position, next.Items[0].Position);
    }

    [Fact]
    public async Task ReceiverFaults_500_Down_AndTooSlow_EveryEventStillArrivesInOrder_RepeatsOnlyAsRetries()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var created = await CreateAsync(receiver);

        // Answering 500 for a while.
        var answers = 0;
        receiver.Answer = _ => Interlocked.Increment(ref answers) <= 4 ? (500, TimeSpan.Zero) : (204, TimeSpan.Zero);
        await MakeEventsAsync(agents: 3);
        await Eventually.UntilAsync(() => receiver.Accepted.Count >= 1, Wait, "a delivery after the 500s");

        // Down for a while: events made meanwhile wait.
        await receiver.StopAsync();
        await MakeEventsAsync(agents: 3, prefix: "down");
        await Eventually.UntilAsync(
            async () => (await Http.ReadAsync<WebhookView>(await _tenant.Admin().GetAsync($"/api/v1/webhooks/{created.WebhookId}"), HttpStatusCode.OK)).NextAttemptAt,
            next => next is not null, Wait, "a failed attempt while the receiver is down");
        await receiver.StartAgainAsync();

        // Answering after 15 s, past the 10 s timeout: that attempt counts as failed and the event goes again.
        var slow = 0;
        receiver.Answer = _ => Interlocked.Increment(ref slow) == 1 ? (204, TimeSpan.FromSeconds(15)) : (204, TimeSpan.Zero);
        await MakeEventsAsync(agents: 2, prefix: "slow");

        var feed = await WaitForAllAsync(receiver, created);
        Assert.Empty(WebhookOrder.Violations(receiver.Deliveries, feed));
        Assert.Contains(receiver.Deliveries, d => d.Status == 500);
        Assert.Contains(receiver.Deliveries, d => d.Status == -1);
        var log = (await Http.ReadAsync<ReportPage<WebhookDelivery>>(await _tenant.Admin().GetAsync($"/api/v1/webhooks/{created.WebhookId}/deliveries?limit=1000"), HttpStatusCode.OK)).Items;
        Assert.Contains(log, d => d.StatusCode is null && d.Error!.StartsWith("no answer within 10 s", StringComparison.Ordinal) && d.LatencyMs >= 10_000);
        Assert.Contains(log, d => d.StatusCode is null && d.Error!.StartsWith("connection failed", StringComparison.Ordinal));
        Assert.Contains(log, d => d.StatusCode == 500 && d.Attempt > 1);
        Report($"[webhook-faults] events={feed.Count} deliveries={receiver.Deliveries.Count} attempts_logged={log.Count}");
    }

    [Fact]
    public async Task Redirect_IsNotFollowed_AndCountsAsAFailedAttempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var elsewhere = await WebhookReceiver.StartAsync();
        receiver.RedirectTo = elsewhere.Url;
        var created = await CreateAsync(receiver);
        receiver.Answer = _ => (307, TimeSpan.Zero);

        await MakeEventsAsync(agents: 1);
        await Eventually.UntilAsync(() => receiver.Deliveries.Count >= 2, Wait, "two attempts answered with a redirect");

        Assert.Empty(elsewhere.Deliveries);
        var log = (await Http.ReadAsync<ReportPage<WebhookDelivery>>(await _tenant.Admin().GetAsync($"/api/v1/webhooks/{created.WebhookId}/deliveries"), HttpStatusCode.OK)).Items;
        Assert.All(log, d => Assert.Equal((307, "HTTP 307: redirects are not followed"), (d.StatusCode, d.Error)));
        Assert.Single(log.Select(d => d.EventId).Distinct());
    }

    [Fact]
    public async Task SecretRotation_BothSecretsVerify_DuringTheOverlap()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var created = await CreateAsync(receiver);
        var rotated = await Http.ReadAsync<WebhookSecretRotated>(
            await _tenant.Admin().PostAsync($"/api/v1/webhooks/{created.WebhookId}/rotate-secret"), HttpStatusCode.OK);
        receiver.Trust(created.Secret, rotated.Secret);

        await MakeEventsAsync(agents: 1);
        var feed = await WaitForAllAsync(receiver, created);

        Assert.Empty(WebhookOrder.Violations(receiver.Deliveries, feed));
        Assert.All(receiver.Deliveries, delivery => Assert.Equal([0, 1], delivery.VerifiedWith));
    }

    [Fact]
    public async Task Sender_RefusesANameThatResolvesToLoopback_UnlessTheHostIsAllowed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var url = new Uri($"http://localhost:{receiver.Port}/hook");
        var request = new WebhookRequest(url, Guid.NewGuid().ToString(), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), "v1,x", "{}");

        using var strict = new WebhookHttpSender(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { PublicHttpsOnly = true }));
        var refused = await strict.SendAsync(request, CancellationToken.None);
        Assert.Null(refused.StatusCode);
        Assert.StartsWith("refused: localhost resolves to no public address", refused.Error, StringComparison.Ordinal);
        Assert.Empty(receiver.Deliveries);

        using var allowing = new WebhookHttpSender(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { PublicHttpsOnly = true, AllowedHosts = ["localhost"] }));
        var answered = await allowing.SendAsync(request, CancellationToken.None);
        Assert.Equal(400, answered.StatusCode); // it arrived; the receiver trusts no secret, so it refuses the signature
        Assert.Single(receiver.Deliveries);
    }

    private async Task<WebhookCreated> CreateAsync(WebhookReceiver receiver)
    {
        var created = await Http.ReadAsync<WebhookCreated>(
            await _tenant.Admin().PostAsync("/api/v1/webhooks", new { url = receiver.Url, description = "verifier" }), HttpStatusCode.Created);
        receiver.Trust(created.Secret);
        return created;
    }

    /// <summary>Each agent starts a session, goes not ready, ready again, and ends: four events each.</summary>
    private async Task MakeEventsAsync(int agents, string prefix = "agent")
    {
        if ((await _tenant.Admin().GetAsync(Paths.Preferences)).Headers.ETag?.ToString() == "\"0\"")
        {
            await _tenant.SetPreferencesAsync(enabled: true);
        }

        await Task.WhenAll(Enumerable.Range(0, agents).Select(async i =>
        {
            var agent = _tenant.Agent($"{prefix}-{i.ToString(CultureInfo.InvariantCulture)}");
            await Http.AssertStatusAsync(await agent.PostAsync(Paths.MyWorkSession, new { status = "ready" }), HttpStatusCode.Created);
            await Http.AssertStatusAsync(await agent.PutAsync(Paths.MyStatus, new { status = "notReady", reason = "Lunch" }), HttpStatusCode.OK);
            await Http.AssertStatusAsync(await agent.PutAsync(Paths.MyStatus, new { status = "ready" }), HttpStatusCode.OK);
            await Http.AssertStatusAsync(await agent.DeleteAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        }));
    }

    /// <summary>Waits until every event of the feed after the endpoint's start was accepted; returns those events.</summary>
    private async Task<List<(long Position, string EventId)>> WaitForAllAsync(WebhookReceiver receiver, WebhookCreated created)
    {
        var supervisor = _tenant.Supervisor();
        List<(long, string)> feed = [];
        await Eventually.UntilAsync(
            async () =>
            {
                var page = await Http.ReadAsync<ReportPage<FeedEvent>>(
                    await supervisor.GetAsync($"{Paths.Feed}?after={created.Webhook.DeliveredPosition}&limit=1000"), HttpStatusCode.OK);
                feed = [.. page.Items.Select(e => (e.Position, e.EventId.ToString()))];
                var accepted = receiver.Accepted.Select(d => d.WebhookId).ToHashSet();
                return feed.Count > 0 && feed.All(e => accepted.Contains(e.Item2));
            },
            done => done,
            Wait,
            "every feed event to be accepted by the receiver");
        return feed;
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        Console.WriteLine(line);
    }
}
