using System.Collections.Concurrent;
using WorkSessions.Webhooks;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// The webhook deliverers' HTTP side in grain tests: records every request with the fake clock's time, and answers as
/// each endpoint's test says (by URL, so tests sharing a cluster never share answers); 200 by default.
/// </summary>
internal sealed class FakeWebhookSender : IWebhookSender
{
    private readonly ConcurrentDictionary<Uri, Func<WebhookRequest, Task<WebhookOutcome>>> _answers = new();
    private readonly ConcurrentQueue<WebhookRequest> _requests = new();

    public TimeProvider? Clock { get; set; }

    public static Task<WebhookOutcome> Ok() => Task.FromResult(new WebhookOutcome(200, TimeSpan.FromMilliseconds(3), null));

    public static Task<WebhookOutcome> Fail() => Task.FromResult(new WebhookOutcome(500, TimeSpan.FromMilliseconds(3), "HTTP 500"));

    public void AnswerFor(Uri url, Func<WebhookRequest, Task<WebhookOutcome>> answer) => _answers[url] = answer;

    /// <summary>The requests made to one URL, in the order they were made.</summary>
    public IReadOnlyList<WebhookRequest> RequestsTo(Uri url) => [.. _requests.Where(request => request.Url == url)];

    public Task<WebhookOutcome> SendAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        _requests.Enqueue(request);
        return _answers.TryGetValue(request.Url, out var answer) ? answer(request) : Ok();
    }
}
