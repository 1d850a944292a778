using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Contracts.Webhooks;
using WorkSessions.Reporting;
using WorkSessions.TestSupport;
using WorkSessions.Webhooks;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// The webhook deliverer under fake time (DESIGN §10): feed order, the retry delays to the second, failing after 24 h,
/// resume, replay, holding, rotation, kinds, and a deactivation mid-delivery. The HTTP side is a fake that records
/// requests; signatures are checked here with an HMAC of our own, apart from the product's signing code.
/// </summary>
[Collection(WebhookClusterCollection.Name)]
public sealed class WebhookDeliveryTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private FakeWebhookSender Sender => fixture.WebhookSender;

    [Fact]
    public async Task Events_AreDeliveredOneByOne_InFeedOrder_SignedWithTheSecret()
    {
        var (tenant, url, created) = await NewEndpointAsync();
        var events = await AppendAsync(tenant, 5);

        var requests = await RequestsAsync(url, 5);

        Assert.Equal(events.Select(e => e.EventId.ToString()), requests.Select(r => r.MessageId));
        Assert.All(requests, request => Assert.Equal([created.Secret], SecretsThatSigned(request, created.Secret)));
        Assert.Equal(events.Select(e => e.Position), requests.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("position").GetInt64()));
        Assert.All(requests, request => Assert.Equal(fixture.Time.GetUtcNow().ToUnixTimeSeconds(), request.Timestamp));
        var body = JsonDocument.Parse(requests[0].Body).RootElement;
        Assert.Equal(("status-changed", "agent-0", "ready"), (body.GetProperty("kind").GetString(), body.GetProperty("agentId").GetString(), body.GetProperty("to").GetString()));
        await Eventually.UntilAsync(
            () => Endpoint(tenant, created).Get(), view => view.DeliveredPosition == events[^1].Position, Wait, "the position to reach the last event");
    }

    [Fact]
    public async Task AnAttemptWhoseAnswerNeverComesBack_CountsAsUnanswered_AndTheEventIsSentAgain()
    {
        var (tenant, url, created) = await NewEndpointAsync();
        var sent = 0;
        // The first send never completes, as when the deliverer's report back to its grain is lost.
        Sender.AnswerFor(url, _ => Interlocked.Increment(ref sent) == 1 ? new TaskCompletionSource<WebhookOutcome>().Task : FakeWebhookSender.Ok());
        var events = await AppendAsync(tenant, 1);
        await RequestsAsync(url, 1);

        // Twice the 10 s request timeout and a poll later the attempt is given up; the first retry comes 5 s after that.
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(22));
        await Eventually.UntilAsync(
            () => Endpoint(tenant, created).Get(), view => view.NextAttemptAt is not null, Wait, "the unanswered attempt to be given up");
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(5));
        var requests = await RequestsAsync(url, 2);

        Assert.Equal(events[0].EventId.ToString(), requests[1].MessageId);
        await Eventually.UntilAsync(
            () => Endpoint(tenant, created).Get(), view => view.DeliveredPosition == events[0].Position, Wait, "the retried event to be delivered");
        var log = (await Endpoint(tenant, created).GetDeliveries(null, 10)).Items;
        Assert.Contains(log, delivery => delivery.Attempt == 1 && delivery.StatusCode is null && delivery.Error == "no answer reported");
    }

    [Fact]
    public async Task FailingEvent_IsRetriedAfterGrowingDelays_ForADay_ThenFailing_AndResumeStartsFromIt()
    {
        var (tenant, url, created) = await NewEndpointAsync();
        var failing = true;
        Sender.AnswerFor(url, _ => failing ? FakeWebhookSender.Fail() : FakeWebhookSender.Ok());
        var events = await AppendAsync(tenant, 2);
        await RequestsAsync(url, 1);
        var firstFailure = fixture.Time.GetUtcNow();

        // 5 s, 30 s, 2 min, 10 min, 30 min, then every hour, for 24 h from the first failure.
        var expected = new List<TimeSpan> { TimeSpan.Zero };
        var offsets = new[] { 5, 35, 155, 755, 2555 }.Select(s => TimeSpan.FromSeconds(s)).ToList();
        for (var next = offsets[^1] + TimeSpan.FromHours(1); next < TimeSpan.FromHours(24); next += TimeSpan.FromHours(1))
        {
            offsets.Add(next);
        }

        offsets.Add(TimeSpan.FromHours(24));
        foreach (var offset in offsets)
        {
            var before = Sender.RequestsTo(url).Count;
            var view = await Endpoint(tenant, created).Get();
            Assert.Equal(firstFailure + offset, view.NextAttemptAt);
            Assert.Equal(WebhookStatus.Active, view.Status);
            await fixture.AdvanceAsync(firstFailure + offset - fixture.Time.GetUtcNow());
            await RequestsAsync(url, before + 1);
            expected.Add(offset);
        }

        var failed = await Eventually.UntilAsync(
            () => Endpoint(tenant, created).Get(), view => view.Status == WebhookStatus.Failing, Wait, "the endpoint to be failing");
        Assert.Null(failed.NextAttemptAt);
        Assert.Equal(firstFailure, failed.FailingSince);
        Assert.All(Sender.RequestsTo(url), request => Assert.Equal(events[0].EventId.ToString(), request.MessageId));
        var log = (await Endpoint(tenant, created).GetDeliveries(null, 1000)).Items;
        Assert.Equal(Enumerable.Range(1, expected.Count).Reverse(), log.Select(d => d.Attempt));
        Assert.Equal(expected.Select(offset => firstFailure + offset).Reverse(), log.Select(d => d.At));
        Assert.All(log, d => Assert.Equal((500, "HTTP 500"), (d.StatusCode, d.Error)));

        // Failing holds: a day later nothing more was tried.
        var tried = Sender.RequestsTo(url).Count;
        await fixture.AdvanceAsync(TimeSpan.FromDays(1));
        await Endpoint(tenant, created).Get();
        Assert.Equal(tried, Sender.RequestsTo(url).Count);

        failing = false;
        var resumed = await Endpoint(tenant, created).Update(new WebhookChange(null, null, Enabled: true));
        Assert.Equal((WebhookStatus.Active, (DateTimeOffset?)null), (resumed.Status, resumed.FailingSince));
        var all = await RequestsAsync(url, tried + 2);
        Assert.Equal([events[0].EventId.ToString(), events[1].EventId.ToString()], all.Skip(tried).Select(r => r.MessageId));
    }

    [Fact]
    public async Task DisabledEndpoint_HoldsDeliveries_AndEnablingDeliversEveryHeldEventInOrder()
    {
        var (tenant, url, created) = await NewEndpointAsync();
        var first = await AppendAsync(tenant, 1);
        await RequestsAsync(url, 1);

        var held = await Endpoint(tenant, created).Update(new WebhookChange(null, null, Enabled: false));
        Assert.Equal(WebhookStatus.Disabled, held.Status);
        var more = await AppendAsync(tenant, 3);
        await fixture.AdvanceAsync(TimeSpan.FromMinutes(5));
        await Endpoint(tenant, created).Get();
        Assert.Single(Sender.RequestsTo(url));

        await Endpoint(tenant, created).Update(new WebhookChange(null, null, Enabled: true));
        var requests = await RequestsAsync(url, 4);
        Assert.Equal(first.Concat(more).Select(e => e.EventId.ToString()), requests.Select(r => r.MessageId));
    }

    [Fact]
    public async Task Replay_DeliversAgainEveryEventAfterThePosition()
    {
        var (tenant, url, created) = await NewEndpointAsync();
        var events = await AppendAsync(tenant, 4);
        await RequestsAsync(url, 4);

        await Endpoint(tenant, created).Replay(events[1].Position);

        var requests = await RequestsAsync(url, 6);
        Assert.Equal(events.Skip(2).Select(e => e.EventId.ToString()), requests.Skip(4).Select(r => r.MessageId));
        await Assert.ThrowsAsync<WorkSessionException>(() => Endpoint(tenant, created).Replay(-1));
    }

    [Fact]
    public async Task RotatedSecret_SignsBesideThePreviousFor24Hours_ThenAlone()
    {
        var (tenant, url, created) = await NewEndpointAsync();
        var rotated = await Endpoint(tenant, created).RotateSecret();
        Assert.NotEqual(created.Secret, rotated.Secret);
        Assert.Equal(fixture.Time.GetUtcNow().AddHours(24), rotated.PreviousSecretExpiresAt);

        await AppendAsync(tenant, 1);
        var during = (await RequestsAsync(url, 1))[0];
        Assert.Equal([rotated.Secret, created.Secret], SecretsThatSigned(during, rotated.Secret, created.Secret));
        Assert.Equal(2, during.Signature.Split(' ').Length);
        Assert.Equal(SignatureWith(created.Secret, during), during.Signature.Split(' ')[0]);

        await fixture.AdvanceAsync(TimeSpan.FromHours(24));
        await AppendAsync(tenant, 1);
        var after = (await RequestsAsync(url, 2))[1];
        Assert.Equal([rotated.Secret], SecretsThatSigned(after, rotated.Secret, created.Secret));
        Assert.Single(after.Signature.Split(' '));
        Assert.Null((await Endpoint(tenant, created).Get()).PreviousSecretExpiresAt is { } expiry && expiry > fixture.Time.GetUtcNow() ? expiry : null);
    }

    [Fact]
    public async Task Kinds_OnlyThoseAreDelivered_TheOthersArePassedOver()
    {
        var (tenant, url, created) = await NewEndpointAsync([FeedEventKinds.SessionEnded]);
        var events = await AppendAsync(tenant, 5, index => index % 2 == 1 ? FeedEventKinds.SessionEnded : FeedEventKinds.StatusChanged);

        var requests = await RequestsAsync(url, 2);
        Assert.Equal(events.Where(e => e.Kind == FeedEventKinds.SessionEnded).Select(e => e.EventId.ToString()), requests.Select(r => r.MessageId));
        await Eventually.UntilAsync(
            () => Endpoint(tenant, created).Get(), view => view.DeliveredPosition == events[^1].Position, Wait, "the position to pass over the last event");
    }

    [Fact]
    public async Task DeactivatedMidDelivery_TheNextActivationSendsThatEventAgain_AndSkipsNone()
    {
        var (tenant, url, created) = await NewEndpointAsync();
        var stuck = new TaskCompletionSource<WebhookOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        Sender.AnswerFor(url, _ => Interlocked.Increment(ref calls) == 2 ? stuck.Task : FakeWebhookSender.Ok());
        var events = await AppendAsync(tenant, 3);
        await RequestsAsync(url, 2);

        await fixture.DeactivateAsync(Endpoint(tenant, created));
        stuck.SetResult(new WebhookOutcome(200, TimeSpan.Zero, null)); // answers the activation that is gone

        var requests = await RequestsAsync(url, 4);
        var ids = requests.Select(r => r.MessageId).ToList();
        Assert.Equal([.. events.Select(e => e.EventId.ToString())], ids.Distinct());
        Assert.Equal(events[1].EventId.ToString(), ids[2]);
        Assert.Equal(events[2].EventId.ToString(), ids[3]);
    }

    [Fact]
    public async Task Registry_RefusesTheEleventhEndpoint_AndDeleteStopsDeliveries()
    {
        var tenant = await fixture.NewTenantAsync();
        var registry = fixture.Grains.GetWebhookRegistry(tenant);
        var created = new List<WebhookCreated>();
        for (var i = 0; i < WebhookLimits.MaxEndpointsPerTenant; i++)
        {
            created.Add(await registry.Create(new WebhookSettings($"https://hooks.example.com/{Guid.NewGuid():N}", null, $"n{i}"), "admin-1"));
        }

        var limit = await Assert.ThrowsAsync<WorkSessionException>(() => registry.Create(new WebhookSettings("https://hooks.example.com/x", null, null), "admin-1"));
        Assert.Equal(ErrorCodes.WebhookLimit, limit.Code);
        Assert.Equal(created.Select(c => c.WebhookId), (await registry.List()).Select(v => v.WebhookId));

        await registry.Delete(created[0].WebhookId);
        var missing = await Assert.ThrowsAsync<WorkSessionException>(() => Endpoint(tenant, created[0]).Get());
        Assert.Equal(ErrorCodes.WebhookNotFound, missing.Code);
        await AppendAsync(tenant, 1);
        await RequestsAsync(new Uri(created[1].Webhook.Url), 1);
        Assert.Empty(Sender.RequestsTo(new Uri(created[0].Webhook.Url)));
        foreach (var webhook in created.Skip(1))
        {
            await registry.Delete(webhook.WebhookId);
        }
    }

    private IWebhookGrain Endpoint(string tenant, WebhookCreated created) => fixture.Grains.GetWebhookGrain(tenant, created.WebhookId);

    private async Task<(string Tenant, Uri Url, WebhookCreated Created)> NewEndpointAsync(IReadOnlyList<string>? kinds = null)
    {
        var tenant = await fixture.NewTenantAsync();
        var url = new Uri($"https://hooks.example.com/{Guid.NewGuid():N}");
        var created = await fixture.Grains.GetWebhookRegistry(tenant).Create(new WebhookSettings(url.AbsoluteUri, kinds, "test"), "admin-1");
        Assert.StartsWith("whsec_", created.Secret, StringComparison.Ordinal);
        Assert.Equal(WebhookStatus.Active, created.Status);
        return (tenant, url, created);
    }

    /// <summary>Stores events in the tenant's feed (as the report writer does) and wakes the deliverers.</summary>
    private async Task<List<FeedEvent>> AppendAsync(string tenant, int count, Func<int, string>? kind = null)
    {
        var now = fixture.Time.GetUtcNow();
        var entries = Enumerable.Range(0, count)
            .Select(i => new ReportEntry(Guid.NewGuid(), tenant, $"agent-{i}", Guid.NewGuid(), now, kind?.Invoke(i) ?? FeedEventKinds.StatusChanged, AgentStatus.Offline, AgentStatus.Ready, Actor: Actor.Agent($"agent-{i}")))
            .ToList();
        await fixture.ReportStore.InsertAsync(entries, CancellationToken.None);
        await fixture.Grains.GetWebhookRegistry(tenant).EventsStored();
        var stored = (await fixture.Grains.GetReportGrain(tenant).GetEvents(0, 1000)).Items;
        return [.. stored.Where(e => entries.Any(entry => entry.EventId == e.EventId)).OrderBy(e => e.Position)];
    }

    private Task<IReadOnlyList<WebhookRequest>> RequestsAsync(Uri url, int count) =>
        Eventually.UntilAsync(
            () => Task.FromResult(Sender.RequestsTo(url)), requests => requests.Count >= count, Wait, $"{count} requests to {url}", TimeSpan.FromMilliseconds(10));

    private static string SignatureWith(string secret, WebhookRequest request) =>
        "v1," + Convert.ToBase64String(HMACSHA256.HashData(
            Convert.FromBase64String(secret["whsec_".Length..]),
            Encoding.UTF8.GetBytes($"{request.MessageId}.{request.Timestamp.ToString(CultureInfo.InvariantCulture)}.{request.Body}")));

    /// <summary>The secrets among <paramref name="secrets"/> whose v1 signature the header holds, by the specification's recipe.</summary>
    private static List<string> SecretsThatSigned(WebhookRequest request, params string[] secrets)
    {
        var signatures = request.Signature.Split(' ');
        var content = Encoding.UTF8.GetBytes($"{request.MessageId}.{request.Timestamp.ToString(CultureInfo.InvariantCulture)}.{request.Body}");
        return [.. secrets.Where(secret =>
            signatures.Contains("v1," + Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(secret["whsec_".Length..]), content))))];
    }
}
