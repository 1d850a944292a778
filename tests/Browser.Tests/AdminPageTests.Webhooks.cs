using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;
using WorkSessions.Samples.WebhookReceiver;
using WorkSessions.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace WorkSessions.Browser.Tests;

/// <summary>
/// The admin's webhooks page end to end: an endpoint receives the tenant's events at a receiver on 127.0.0.1 (allowed
/// by <c>Webhooks:AllowedHosts</c>) that checks every signature with the <c>StandardWebhooks</c> package
/// (<see cref="WebhookReceiver"/>). axe-core runs in each state the page passes through. Part of the admin page's
/// class so that they share its Gateway and browser rather than start their own.
/// </summary>
public sealed partial class AdminPageTests
{
    [Fact]
    public async Task AnAdmin_CreatesAnEndpoint_SeesItsSecretOnce_HoldsResumesRotatesReplays_AndReadsTheLog()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var admin = await site.NewPersonAsync("admin-ann", output: output);
        await admin.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var webhooks = await WebhooksPage.OpenAsync(admin, tenant, "ann");
        await Expect(webhooks.Empty).ToBeVisibleAsync();
        await CaptureAsync(admin, "webhooks-empty");

        // Created: the secret shown once, focused, with the sentence that says so, and copied.
        var secret = await webhooks.CreateAsync(receiver.Url, "CRM sync", "session-started", "session-ended");
        receiver.Trust(secret);
        await Expect(webhooks.SecretValue).ToBeFocusedAsync();
        await Expect(webhooks.SecretPanel).ToContainTextAsync("it will not be shown again");
        await Expect(webhooks.Status).ToContainTextAsync($"Created the endpoint {receiver.Url}");
        await Expect(webhooks.StatusOf(receiver.Url)).ToHaveTextAsync("Active");
        await Expect(webhooks.Endpoint(receiver.Url)).ToContainTextAsync("session-started, session-ended");
        await Expect(webhooks.Endpoint(receiver.Url)).ToContainTextAsync("CRM sync");
        await webhooks.Copy.ClickAsync();
        await Expect(webhooks.Status).ToHaveTextAsync("Copied the signing secret.");
        Assert.Equal(secret, await admin.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        await CaptureAsync(admin, "webhooks-secret");
        await webhooks.Done.ClickAsync();
        await Expect(webhooks.SecretPanel).ToBeHiddenAsync();
        await Expect(webhooks.Endpoint(receiver.Url).GetByRole(AriaRole.Heading)).ToBeFocusedAsync();

        // An agent's action reaches the receiver, signed with that secret; the preferences change before it in the
        // feed is not one of the kinds asked for and never arrives.
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, inactivityTimeoutSeconds: 600, gracePeriodSeconds: 60);
        await AgentAsync(tenant, "alice", HttpMethod.Post, "work-session");
        var started = await ArrivedAsync(receiver, "session-started", 1);
        Assert.Equal([0], started.VerifiedWith);
        Assert.DoesNotContain(receiver.Deliveries, delivery => KindOf(delivery) == "preferences-changed");

        // After a reload the secret is nowhere on the page: the API never gives it again.
        await admin.Page.ReloadAsync();
        await Expect(webhooks.StatusOf(receiver.Url)).ToHaveTextAsync("Active");
        await Expect(webhooks.SecretPanel).ToBeHiddenAsync();
        Assert.DoesNotContain(secret, await PageTextAndValuesAsync(admin.Page), StringComparison.Ordinal);

        // The delivery log: the event, its position, the first attempt, the receiver's 204.
        await webhooks.Button(receiver.Url, "Delivery log").ClickAsync();
        await Expect(webhooks.LogHeading).ToBeFocusedAsync();
        var logged = webhooks.LogRows.Filter(new() { HasText = started.WebhookId });
        await Expect(logged).ToHaveCountAsync(1);
        await Expect(logged.Locator("td")).ToHaveTextAsync(
            [new Regex("."), new Regex($"^{started.WebhookId}$"), new Regex($"^{started.Position}$"), new Regex("^1$"), new Regex("^204$"), new Regex(@"^\d+$"), new Regex("^$")]);
        await CaptureAsync(admin, "webhooks-log");

        // Disabled: held, the button says Enable and has the focus. Enabled with the keyboard: the event held meanwhile
        // arrives (nothing dropped).
        await webhooks.Button(receiver.Url, "Disable").ClickAsync();
        await Expect(webhooks.StatusOf(receiver.Url)).ToHaveTextAsync("Disabled");
        await Expect(webhooks.Button(receiver.Url, "Enable")).ToBeFocusedAsync();
        await Expect(webhooks.Status).ToHaveTextAsync($"Disabled {receiver.Url}.");
        await CaptureAsync(admin, "webhooks-disabled");
        await AgentAsync(tenant, "alice", HttpMethod.Delete, "work-session");
        await admin.Page.Keyboard.PressAsync("Enter");
        await Expect(webhooks.StatusOf(receiver.Url)).ToHaveTextAsync("Active");
        await Expect(webhooks.Button(receiver.Url, "Disable")).ToBeFocusedAsync();
        var ended = await ArrivedAsync(receiver, "session-ended", 1);
        Assert.Equal([0], ended.VerifiedWith);

        // Rotated: the new secret shown once, the old one said to sign alongside for 24 h; the next event carries both
        // signatures and the library accepts each.
        await webhooks.Button(receiver.Url, "Rotate secret").ClickAsync();
        await Expect(webhooks.SecretValue).Not.ToHaveValueAsync(secret);
        var rotated = await webhooks.SecretValue.InputValueAsync();
        Assert.StartsWith("whsec_", rotated, StringComparison.Ordinal);
        await Expect(webhooks.SecretPanel).ToContainTextAsync("it will not be shown again");
        await Expect(webhooks.SecretPanel).ToContainTextAsync("The old secret keeps signing alongside the new one until");
        await Expect(webhooks.SecretPanel).ToContainTextAsync("(24 hours)");
        await Expect(webhooks.SecretValue).ToBeFocusedAsync();
        await CaptureAsync(admin, "webhooks-rotated");
        await webhooks.Done.ClickAsync();
        await Expect(webhooks.Button(receiver.Url, "Rotate secret")).ToBeFocusedAsync();
        receiver.Trust(secret, rotated);
        await AgentAsync(tenant, "alice", HttpMethod.Post, "work-session");
        var again = await ArrivedAsync(receiver, "session-started", 2);
        Assert.True(SignedWith(again, secret), "The old secret did not sign during the overlap.");
        Assert.True(SignedWith(again, rotated), "The new secret did not sign.");

        // Replayed from just before the first session's start: it arrives again with the same webhook-id.
        await webhooks.Button(receiver.Url, "Replay").ClickAsync();
        await Expect(webhooks.ReplayAfter).ToBeFocusedAsync();
        await webhooks.ReplayAfter.FillAsync((started.Position - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await CaptureAsync(admin, "webhooks-replay");
        await admin.Page.Keyboard.PressAsync("Enter");
        await Expect(webhooks.ReplayDialog).ToBeHiddenAsync();
        await Expect(webhooks.Status).ToContainTextAsync($"every event after position {started.Position - 1} is delivered again");
        await Expect(webhooks.Button(receiver.Url, "Replay")).ToBeFocusedAsync();
        await Eventually.UntilAsync(() => receiver.Accepted.Count(delivery => delivery.WebhookId == started.WebhookId) >= 2,
            ConsoleSite.Patience, "the replayed session-started with its first webhook-id");
        Assert.All(receiver.Deliveries, delivery => Assert.True(delivery.Verified, delivery.Failure));

        await webhooks.RefreshLog.ClickAsync();
        await Expect(logged).ToHaveCountAsync(2);
        await Expect(webhooks.Status).ToContainTextAsync("Delivery log refreshed");
        admin.AssertClean();
    }

    [Fact]
    public async Task AFailingEndpoint_IsResumedByTheAdmin_AndItsLogPagesByCursor()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = _ => (500, TimeSpan.Zero);
        await using var admin = await site.NewPersonAsync("admin-ann", output: output);
        var webhooks = await WebhooksPage.OpenAsync(admin, tenant, "ann");
        receiver.Trust(await webhooks.CreateAsync(receiver.Url));
        await webhooks.Done.ClickAsync();
        await Expect(webhooks.Endpoint(receiver.Url)).ToContainTextAsync("Every kind");

        // Answered 500 for the whole retry window (5 s here, every 50 ms): failing, with Resume to offer.
        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, inactivityTimeoutSeconds: 600, gracePeriodSeconds: 60);
        await webhooks.RefreshUntilVisibleAsync(webhooks.StatusOf(receiver.Url).GetByText("Failing", new() { Exact = true }), "the endpoint to be failing");
        await Expect(webhooks.Endpoint(receiver.Url)).ToContainTextAsync("They wait until you resume them");
        await Expect(webhooks.Button(receiver.Url, "Resume")).ToBeVisibleAsync();
        await CaptureAsync(admin, "webhooks-failing");

        // How many attempts fit in the retry window depends on how fast this machine writes each one; resumed through the
        // API while still answering 500, the endpoint fails again and its log grows past one page whatever the machine.
        await FailAgainUntilAttemptsAsync(tenant, receiver, 25);

        // The log: 20 attempts a page, newest first; the next page by its cursor goes on where the first stopped.
        await webhooks.Button(receiver.Url, "Delivery log").ClickAsync();
        await Expect(webhooks.LogRows).ToHaveCountAsync(20);
        var firstPage = await AttemptsAsync(webhooks);
        await webhooks.OlderAttempts.ClickAsync();
        await Expect(webhooks.LogRows).Not.ToHaveCountAsync(20);
        await Expect(webhooks.LogRows.Nth(20)).ToBeFocusedAsync();
        var attempts = await AttemptsAsync(webhooks);
        Assert.Equal(firstPage, attempts.Take(20));
        Assert.Equal(attempts.OrderByDescending(attempt => attempt).ToList(), attempts);
        Assert.Equal(attempts.Count, attempts.Distinct().Count());
        await Expect(webhooks.LogRows.Filter(new() { HasNotText = "500" })).ToHaveCountAsync(0);
        await CaptureAsync(admin, "webhooks-log-older");

        // Resumed once the receiver answers again: from the first undelivered event, which now arrives.
        receiver.Answer = _ => (204, TimeSpan.Zero);
        await webhooks.Button(receiver.Url, "Resume").ClickAsync();
        await Expect(webhooks.StatusOf(receiver.Url)).ToHaveTextAsync("Active");
        await Expect(webhooks.Button(receiver.Url, "Disable")).ToBeFocusedAsync();
        await Expect(webhooks.Status).ToHaveTextAsync($"Resumed {receiver.Url}.");
        var delivered = await ArrivedAsync(receiver, "preferences-changed", 1);
        Assert.Equal([0], delivered.VerifiedWith);
        admin.AssertClean();
    }

    /// <summary>On a phone, with the keyboard: a refused URL, the tenant's limit, and a delete confirmed in a dialog.</summary>
    [Fact]
    public async Task ARefusedUrl_AndTheLimit_ShowTheirMessages_AndADeleteIsConfirmed()
    {
        var tenant = ConsoleSite.NewTenant();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var admin = await site.NewPersonAsync("admin-ann", Viewport.Phone, output);
        admin.ExpectFailedRequests(400, 409);
        var webhooks = await WebhooksPage.OpenAsync(admin, tenant, "ann");

        // A private address over http, not among the allowed hosts: the API's message, beside the field too.
        await webhooks.Url.FillAsync("http://10.20.30.40/hook");
        await webhooks.Url.PressAsync("Enter");
        await Expect(webhooks.CreateError).ToContainTextAsync("Webhook URL refused: Only https URLs are allowed");
        await Expect(webhooks.CreateError).ToContainTextAsync("(invalid_webhook_url)");
        await Expect(webhooks.Url).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(webhooks.Url).ToBeFocusedAsync();
        await Expect(webhooks.Empty).ToBeVisibleAsync();
        await CaptureAsync(admin, "webhooks-invalid-url");

        // Ten endpoints (the most a tenant may have), then an eleventh from the page.
        var token = await site.TokenAsync(tenant, "setup", "admin");
        for (var i = 0; i < 10; i++)
        {
            await CreateThroughTheApiAsync(token, $"{receiver.Url}?n={i}");
        }

        await webhooks.Refresh.ClickAsync();
        await Expect(webhooks.Count).ToHaveTextAsync("10 of 10 endpoints.");
        await webhooks.Url.FillAsync(receiver.Url);
        await webhooks.Create.ClickAsync();
        await Expect(webhooks.CreateError).ToHaveTextAsync("Too many webhooks: A tenant has at most 10 webhooks; delete one first. (webhook_limit)");
        await Expect(webhooks.Url).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await CaptureAsync(admin, "webhooks-limit");

        // Delete, with the keyboard: the dialog opens on Cancel; Escape keeps the endpoint and returns to its button.
        var doomed = $"{receiver.Url}?n=0";
        await webhooks.Button(doomed, "Delete").FocusAsync();
        await admin.Page.Keyboard.PressAsync("Enter");
        await Expect(webhooks.DeleteDialog).ToBeVisibleAsync();
        await Expect(webhooks.DeleteDialog.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true })).ToBeFocusedAsync();
        await Expect(webhooks.DeleteDialog).ToContainTextAsync(doomed);
        await CaptureAsync(admin, "webhooks-delete");
        await admin.Page.Keyboard.PressAsync("Escape");
        await Expect(webhooks.DeleteDialog).ToBeHiddenAsync();
        await Expect(webhooks.Button(doomed, "Delete")).ToBeFocusedAsync();
        await admin.Page.Keyboard.PressAsync("Enter");
        await Expect(webhooks.DeleteDialog).ToBeVisibleAsync();
        await admin.Page.Keyboard.PressAsync("Shift+Tab");
        await Expect(webhooks.DeleteDialog.GetByRole(AriaRole.Button, new() { Name = "Delete endpoint", Exact = true })).ToBeFocusedAsync();
        await admin.Page.Keyboard.PressAsync("Enter");
        await Expect(webhooks.DeleteDialog).ToBeHiddenAsync();
        await Expect(webhooks.Endpoint(doomed)).ToHaveCountAsync(0);
        await Expect(webhooks.Count).ToHaveTextAsync("9 of 10 endpoints.");
        await Expect(webhooks.Status).ToHaveTextAsync($"Deleted the endpoint {doomed}.");
        await Expect(webhooks.EndpointsHeading).ToBeFocusedAsync();

        // With a place free the eleventh is created, and the limit's message goes.
        await webhooks.Create.ClickAsync();
        await Expect(webhooks.SecretValue).ToHaveValueAsync(new Regex("^whsec_"));
        await Expect(webhooks.CreateError).ToBeHiddenAsync();
        await Expect(webhooks.Count).ToHaveTextAsync("10 of 10 endpoints.");
        await CaptureAsync(admin, "webhooks-full");
        admin.AssertClean();
    }

    /// <summary>
    /// The README's receiver (samples/WebhookReceiver) against the product: connected with the secret the page showed,
    /// it handles each event once, in feed order, through a replay of them all; a delivery with a forged signature is
    /// refused and not handled.
    /// </summary>
    [Fact]
    public async Task TheSampleReceiver_HandlesEachEventOnce_ThroughAReplay_AndRefusesAForgery()
    {
        var tenant = ConsoleSite.NewTenant();
        var port = LoopbackPorts.Take(1)[0];
        var url = $"http://127.0.0.1:{port}{ReceiverApp.Route}";
        await using var admin = await site.NewPersonAsync("admin-ann", output: output);
        var webhooks = await WebhooksPage.OpenAsync(admin, tenant, "ann");
        var secret = await webhooks.CreateAsync(url, "The sample receiver");
        await webhooks.Done.ClickAsync();
        await using var sample = ReceiverApp.Build([$"--Webhook:Secret={secret}", $"--urls=http://127.0.0.1:{port}", "--Logging:LogLevel:Default=Warning"]);
        await sample.StartAsync();
        var inbox = sample.Services.GetRequiredService<Inbox>();

        await site.SetPreferencesAsync(tenant, enabled: true, autoEnd: false, inactivityTimeoutSeconds: 600, gracePeriodSeconds: 60);
        await AgentAsync(tenant, "alice", HttpMethod.Post, "work-session");
        await AgentAsync(tenant, "alice", HttpMethod.Delete, "work-session");
        await Eventually.UntilAsync(() => inbox.Handled.Any(handled => handled.Kind == "session-ended"), ConsoleSite.Patience, "the sample to handle the session's end");
        var before = inbox.Handled;
        Assert.Equal(0, inbox.Duplicates);

        using (var forged = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("""{"position":1,"eventId":"00000000-0000-0000-0000-000000000001","at":"2026-12-07T00:00:00Z","kind":"session-started","agentId":"mallory"}""") })
        {
            forged.Headers.Add("webhook-id", "00000000-0000-0000-0000-000000000001");
            forged.Headers.Add("webhook-timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            forged.Headers.Add("webhook-signature", "v1," + Convert.ToBase64String(new byte[32]));
            using var refused = await site.Http.SendAsync(forged);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // Everything again from the page, then a new event: it comes after the replayed ones in feed order, so when it is
        // handled every replayed delivery has been answered.
        await webhooks.Button(url, "Replay").ClickAsync();
        await webhooks.ReplayAfter.FillAsync((before[0].Position - 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await webhooks.ReplayDialog.GetByRole(AriaRole.Button, new() { Name = "Replay", Exact = true }).ClickAsync();
        await Expect(webhooks.ReplayDialog).ToBeHiddenAsync();
        await AgentAsync(tenant, "alice", HttpMethod.Post, "work-session");
        var last = before[^1].Position;
        await Eventually.UntilAsync(() => inbox.Handled.Any(handled => handled.Kind == "session-started" && handled.Position > last),
            ConsoleSite.Patience, "the sample to handle the second session's start");

        var handled = inbox.Handled;
        Assert.Equal(before, handled.Take(before.Count));
        // The replay sends again every event up to the click: those captured above, and any delivered after that capture
        // and before the click (an event the session's end led to). Only the second session's start is new.
        Assert.InRange(inbox.Duplicates, before.Count, handled.Count - 1);
        Assert.Equal(handled.Count, handled.Select(feedEvent => feedEvent.EventId).Distinct().Count());
        Assert.Equal(handled.OrderBy(feedEvent => feedEvent.Position).ToList(), handled);
        Assert.DoesNotContain(handled, feedEvent => feedEvent.AgentId == "mallory");
        admin.AssertClean();
    }

    /// <summary>A screenshot, then the page's checks in that state: named controls, no sideways scroll, contrast, axe-core.</summary>
    private static async Task CaptureAsync(Person person, string state)
    {
        await person.ScreenshotAsync(state);
        await PageChecks.AssertTidyAsync(person.Page, $"{state} at {person.Viewport}");
        await Accessibility.AssertAccessibleAsync(person.Page, $"{state} at {person.Viewport}");
    }

    /// <summary>Waits for the <paramref name="count"/>-th accepted delivery of an event kind and returns it.</summary>
    private static async Task<ReceivedDelivery> ArrivedAsync(WebhookReceiver receiver, string kind, int count)
    {
        var arrived = await Eventually.UntilAsync(
            () => Task.FromResult(receiver.Accepted.Where(delivery => KindOf(delivery) == kind).ToList()),
            deliveries => deliveries.Count >= count, ConsoleSite.Patience, $"{count} {kind} deliveries at the receiver");
        var delivery = arrived[count - 1];
        Assert.True(delivery.Verified, delivery.Failure);
        return delivery;
    }

    /// <summary>
    /// Whether one of the delivery's signatures verifies with <paramref name="secret"/>, by the StandardWebhooks package
    /// given each signature alone: its 1.1.2 compares only the first of several, and during a rotation there are two.
    /// </summary>
    private static bool SignedWith(ReceivedDelivery delivery, string secret) =>
        delivery.Signature.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(signature =>
        {
            var headers = new HeaderDictionary
            {
                ["webhook-id"] = delivery.WebhookId,
                ["webhook-timestamp"] = delivery.Timestamp,
                ["webhook-signature"] = signature,
            };
            try
            {
                new StandardWebhook(secret).Verify(delivery.Body, headers);
                return true;
            }
            catch (WebhookVerificationException)
            {
                return false;
            }
        });

    private static string? KindOf(ReceivedDelivery delivery)
    {
        using var json = JsonDocument.Parse(delivery.Body);
        return json.RootElement.GetProperty("kind").GetString();
    }

    /// <summary>Everything the page shows or holds in a field.</summary>
    private static Task<string> PageTextAndValuesAsync(IPage page) =>
        page.EvaluateAsync<string>("() => document.documentElement.outerHTML + ' ' + [...document.querySelectorAll('input, textarea')].map(field => field.value).join(' ')");

    /// <summary>The (position, attempt) of each row of the delivery log, top to bottom.</summary>
    private static async Task<List<(long Position, int Attempt)>> AttemptsAsync(WebhooksPage webhooks)
    {
        var cells = await webhooks.LogRows.EvaluateAllAsync<string[][]>("rows => rows.map(row => [...row.cells].map(cell => cell.textContent))");
        return [.. cells.Select(row => (long.Parse(row[2], System.Globalization.CultureInfo.InvariantCulture), int.Parse(row[3], System.Globalization.CultureInfo.InvariantCulture)))];
    }

    /// <summary>An agent's call to <c>/api/v1/me/{path}</c>, as the agent page makes it.</summary>
    private async Task AgentAsync(string tenant, string agent, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, $"api/v1/me/{path}");
        if (method == HttpMethod.Post)
        {
            request.Content = JsonContent.Create(new { });
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await site.TokenAsync(tenant, agent, "agent"));
        using var response = await site.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Resumes the tenant's only endpoint through the API until its receiver has refused at least this many attempts and it is failing again.</summary>
    private async Task FailAgainUntilAttemptsAsync(string tenant, WebhookReceiver receiver, int attempts)
    {
        var token = await site.TokenAsync(tenant, "ann", "admin");
        var webhookId = (await GetAsAdminAsync(token, "api/v1/webhooks")).GetProperty("items")[0].GetProperty("webhookId").GetString();
        while (receiver.Deliveries.Count < attempts)
        {
            using (var resume = new HttpRequestMessage(HttpMethod.Put, $"api/v1/webhooks/{webhookId}") { Content = JsonContent.Create(new { enabled = true }) })
            {
                resume.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await site.Http.SendAsync(resume);
                Assert.True(response.IsSuccessStatusCode, $"PUT /webhooks/{webhookId} answered {(int)response.StatusCode}");
            }

            await Eventually.UntilAsync(
                async () => (await GetAsAdminAsync(token, $"api/v1/webhooks/{webhookId}")).GetProperty("status").GetString(),
                status => status == "failing", ConsoleSite.Patience, "the resumed endpoint to fail again");
        }
    }

    private async Task<JsonElement> GetAsAdminAsync(string token, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await site.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task CreateThroughTheApiAsync(string adminToken, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/webhooks")
        {
            // Kinds no one in this test causes: these endpoints only take places.
            Content = JsonContent.Create(new { url, kinds = new[] { "inactivity-warning" } }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await site.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"POST /webhooks answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
