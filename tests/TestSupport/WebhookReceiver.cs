using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace WorkSessions.TestSupport;

/// <summary>
/// A webhook receiver on 127.0.0.1 that checks every delivery's signature with the <c>StandardWebhooks</c> package (an
/// implementation of the specification we did not write) and records what arrived. Tests tell it how to answer
/// (<see cref="Answer"/>), take it down and bring it back on the same port, and read <see cref="Deliveries"/>.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedDelivery> _deliveries = new();
    private WebApplication? _app;
    private volatile string[] _secrets = [];

    private WebhookReceiver(int port) => Port = port;

    /// <summary>The loopback port it listens on, the same after a restart.</summary>
    public int Port { get; }

    /// <summary>The URL to register: <c>http://127.0.0.1:{port}/hook</c>.</summary>
    public string Url => $"http://127.0.0.1:{Port}/hook";

    /// <summary>
    /// How to answer a verified delivery: a status and a delay before it. Default 204 at once. Called on Kestrel's
    /// threads; a delivery whose signature fails verification is answered 400 whatever this says.
    /// </summary>
    public Func<ReceivedDelivery, (int Status, TimeSpan Delay)> Answer { get; set; } = _ => (StatusCodes.Status204NoContent, TimeSpan.Zero);

    private int _inFlight;
    private volatile string? _inFlightId;

    /// <summary>Deliveries being answered right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The <c>webhook-id</c> of the delivery answered last or being answered.</summary>
    public string? InFlightId => _inFlightId;

    /// <summary>The <c>Location</c> of a 3xx answer.</summary>
    public string? RedirectTo { get; set; }

    /// <summary>Every delivery received, in arrival order, verified or not.</summary>
    public IReadOnlyList<ReceivedDelivery> Deliveries => [.. _deliveries];

    /// <summary>Deliveries that arrived and were answered 2xx.</summary>
    public IReadOnlyList<ReceivedDelivery> Accepted => [.. _deliveries.Where(delivery => delivery.Status is >= 200 and <= 299)];

    /// <summary>Starts a receiver on a free loopback port.</summary>
    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver(LoopbackPorts.Take(1)[0]);
        await receiver.StartAgainAsync();
        return receiver;
    }

    /// <summary>The secrets a signature may be made with: the created one, and after a rotation both.</summary>
    public void Trust(params string[] secrets) => _secrets = secrets;

    /// <summary>Stops listening: deliveries meanwhile find the port closed.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Listens again on the same port.</summary>
    public async Task StartAgainAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, Port));
        var app = builder.Build();
        app.MapPost("/hook", ReceiveAsync);
        await app.StartAsync();
        _app = app;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static bool Verifies(string secret, string body, IHeaderDictionary headers, ref string? failure)
    {
        try
        {
            new StandardWebhook(secret).Verify(body, headers);
            return true;
        }
        catch (WebhookVerificationException exception)
        {
            failure = exception.Message;
            return false;
        }
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        var receivedAt = DateTimeOffset.UtcNow;
        Interlocked.Increment(ref _inFlight);
        try
        {
            _inFlightId = context.Request.Headers["webhook-id"].ToString();
            await ReceiveVerifiedAsync(context, receivedAt);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task ReceiveVerifiedAsync(HttpContext context, DateTimeOffset receivedAt)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers;
        var signedWith = new List<int>();
        string? failure = null;
        var secrets = _secrets;

        // The whole header as a receiver gets it: some trusted secret must verify it.
        if (!secrets.Any(secret => Verifies(secret, body, headers, ref failure)))
        {
            failure ??= "no secret to verify with";
        }
        else
        {
            failure = null;
        }

        // Then each signature on its own, so that every one of them is checked: StandardWebhooks 1.1.2 stops at the last
        // signature of a space-separated list without comparing it.
        var single = new HeaderDictionary(headers.ToDictionary(header => header.Key, header => header.Value, StringComparer.OrdinalIgnoreCase));
        var signatures = headers["webhook-signature"].ToString().Split(' ');
        string? ignored = null;
        for (var i = 0; i < secrets.Length; i++)
        {
            foreach (var signature in signatures)
            {
                single["webhook-signature"] = signature;
                if (Verifies(secrets[i], body, single, ref ignored))
                {
                    signedWith.Add(i);
                    break;
                }
            }
        }

        if (failure is null && signedWith.Count < signatures.Length)
        {
            failure = $"{signatures.Length} signatures, {signedWith.Count} made with a trusted secret";
        }

        long position = -1;
        DateTimeOffset? at = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            position = json.RootElement.GetProperty("position").GetInt64();
            at = json.RootElement.GetProperty("at").GetDateTimeOffset();
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            failure ??= "the body is not a feed event";
        }

        var delivery = new ReceivedDelivery(
            headers["webhook-id"].ToString(), headers["webhook-timestamp"].ToString(), headers["webhook-signature"].ToString(), body,
            position, at, receivedAt, signedWith, failure, 0);
        var (status, delay) = delivery.Verified ? Answer(delivery) : (StatusCodes.Status400BadRequest, TimeSpan.Zero);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The sender gave up: recorded as unanswered.
                _deliveries.Enqueue(delivery with { Status = -1 });
                return;
            }
        }

        _deliveries.Enqueue(delivery with { Status = status });
        context.Response.StatusCode = status;
        if (status is >= 300 and <= 399 && RedirectTo is { } location)
        {
            context.Response.Headers.Location = location;
        }
    }
}

/// <summary>One delivery as the receiver saw it.</summary>
/// <param name="WebhookId">The <c>webhook-id</c> header.</param>
/// <param name="Timestamp">The <c>webhook-timestamp</c> header.</param>
/// <param name="Signature">The <c>webhook-signature</c> header.</param>
/// <param name="Body">The body.</param>
/// <param name="Position">The event's feed position, from the body.</param>
/// <param name="At">The event's time, from the body.</param>
/// <param name="ReceivedAt">When it arrived (real clock).</param>
/// <param name="VerifiedWith">The indexes of the trusted secrets whose signature the library accepted.</param>
/// <param name="Failure">Why verification failed; null when it passed.</param>
/// <param name="Status">The status answered; -1 when the sender hung up first.</param>
public sealed record ReceivedDelivery(
    string WebhookId, string Timestamp, string Signature, string Body, long Position, DateTimeOffset? At, DateTimeOffset ReceivedAt,
    IReadOnlyList<int> VerifiedWith, string? Failure, int Status)
{
    public bool Verified => Failure is null;
}
