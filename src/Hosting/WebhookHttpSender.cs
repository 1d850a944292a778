using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using WorkSessions.Hosting;

namespace WorkSessions.Webhooks;

/// <summary>
/// Posts webhook deliveries over HTTP (docs/architecture.md#webhooks): one pooled client per silo, redirects never
/// followed, the request timeout of <c>Webhooks:RequestTimeout</c>, and the address rule applied when connecting:
/// the host's resolved addresses are filtered by <see cref="WebhookUrlRules.MayConnect"/>, so a name that resolves (or
/// is rebound) to a private or loopback address is refused unless its host is in <c>Webhooks:AllowedHosts</c>.
/// </summary>
internal sealed class WebhookHttpSender : IWebhookSender, IDisposable
{
    /// <summary>
    /// Added to the request timeout: the runtime's timers count on a coarse clock (one kernel tick, up to 10 ms) and can
    /// fire that much before the precise clock the latency is measured with says the time is up. Without it a receiver
    /// could be cut off a few milliseconds short of <c>Webhooks:RequestTimeout</c> and the log would show "no answer within
    /// 10 s" beside a latency of 9,997 ms.
    /// </summary>
    private static readonly TimeSpan TimerSlack = TimeSpan.FromMilliseconds(20);

    private readonly HttpClient _client;
    private readonly WebhookOptions _options;

    public WebhookHttpSender(IOptions<WebhookOptions> options)
    {
        _options = options.Value;
        var rules = _options.UrlRules;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            // Longer than the request's own timeout, which covers connecting too: a connection attempt outlives the request
            // that started it (the pool may hand it to the next), and a connect timeout firing first would be logged as an
            // exception's message instead of "no answer within …".
            ConnectTimeout = _options.RequestTimeout + TimerSlack + TimerSlack,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = (context, cancellationToken) => ConnectAsync(rules, context.DnsEndPoint, cancellationToken),
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("WorkSessions-Webhooks/1");
    }

    public async Task<WebhookOutcome> SendAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Url)
        {
            Content = new StringContent(request.Body, System.Text.Encoding.UTF8, "application/json"),
        };
        message.Headers.Add("webhook-id", request.MessageId);
        message.Headers.Add("webhook-timestamp", request.Timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        message.Headers.Add("webhook-signature", request.Signature);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Measured from before the timeout is armed: a thread held up between the two would otherwise log less time than
        // the receiver was given.
        var started = Stopwatch.GetTimestamp();
        timeout.CancelAfter(_options.RequestTimeout + TimerSlack);
        try
        {
            using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            string? error = status switch
            {
                >= 200 and <= 299 => null,
                >= 300 and <= 399 => $"HTTP {status}: redirects are not followed",
                _ => $"HTTP {status}",
            };
            return new WebhookOutcome(status, Stopwatch.GetElapsedTime(started), error);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new WebhookOutcome(null, Stopwatch.GetElapsedTime(started), $"no answer within {_options.RequestTimeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException exception)
        {
            return new WebhookOutcome(null, Stopwatch.GetElapsedTime(started), Describe(exception));
        }
    }

    public void Dispose() => _client.Dispose();

    private static async ValueTask<Stream> ConnectAsync(WebhookUrlRules rules, DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endPoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endPoint.Host, cancellationToken);
        var allowed = addresses.Where(address => rules.MayConnect(endPoint.Host, address)).ToArray();
        if (allowed.Length == 0)
        {
            throw new WebhookAddressRefusedException(
                $"refused: {endPoint.Host} resolves to no public address (add it to Webhooks:AllowedHosts to allow it)");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string Describe(HttpRequestException exception)
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookAddressRefusedException refused)
            {
                return refused.Message;
            }
        }

        return exception.HttpRequestError switch
        {
            HttpRequestError.ConnectionError => "connection failed: " + (exception.InnerException?.Message ?? exception.Message),
            HttpRequestError.NameResolutionError => "name not resolved",
            HttpRequestError.SecureConnectionError => "TLS failed: " + exception.Message,
            _ => exception.Message,
        };
    }

    private sealed class WebhookAddressRefusedException(string message) : IOException(message);
}
