using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;
using WorkSessions.Contracts.Reports;
using WorkSessions.Gateway.Apis;
using WorkSessions.Gateway.Hosting;

namespace WorkSessions.Gateway.Events;

/// <summary>
/// <c>GET /events</c> with <c>Accept: text/event-stream</c>: the tenant's feed, live, one server-sent event per feed event
/// with <c>id:</c> = its position and <c>event:</c> = its kind. A client that reconnects with <c>Last-Event-ID</c> gets
/// every event after that position and none twice: the report store makes a tenant's positions visible in the order
/// they were assigned, so reading on after the last position sent misses nothing. Caught up, the stream asks again every
/// <c>Gateway:EventFeedPollInterval</c>.
/// </summary>
/// <remarks>
/// Written by hand rather than with <c>TypedResults.ServerSentEvents</c>: the stream sends comment lines while idle
/// and a last <c>stream-closed</c> event when the server ends it, exactly as <c>GET /me/events</c> does.
/// </remarks>
public sealed class TenantEventFeed : IResult, IEndpointMetadataProvider
{
    public const string ContentType = "text/event-stream";

    /// <summary>Events per grain call while catching up.</summary>
    private const int BatchSize = ReportLimits.MaxLimit;

    private readonly IReportGrain _reports;
    private readonly long _start;
    private readonly ReportPage<FeedEvent> _first;
    private readonly IReadOnlyList<string>? _teamIds;

    private TenantEventFeed(IReportGrain reports, long start, ReportPage<FeedEvent> first, IReadOnlyList<string>? teamIds)
    {
        _reports = reports;
        _start = start;
        _first = first;
        _teamIds = teamIds;
    }

    /// <summary>Whether the request asks for the live stream rather than a JSON page.</summary>
    /// <param name="request">The request.</param>
    public static bool IsRequested(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.GetTypedHeaders().Accept.Any(accept =>
            accept.MediaType.Equals(ContentType, StringComparison.OrdinalIgnoreCase) && accept.Quality is null or > 0);
    }

    /// <summary>
    /// Finds where the stream starts and reads its first batch, before anything is written, so a bad position is a
    /// problem-details answer: after <c>Last-Event-ID</c>, else after <c>after</c>, else at the live end.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="reports">The caller's tenant's report grain.</param>
    /// <param name="after">The <c>after</c> query parameter.</param>
    /// <param name="teamIds">Only these teams' events (<see cref="IReportGrain.GetEvents"/>); null for the whole tenant.</param>
    /// <exception cref="Contracts.WorkSessionException">
    /// <c>invalid_cursor</c> for a position that is not a whole number, 0 or more; <c>invalid_id</c> for a malformed team id.
    /// </exception>
    public static async Task<TenantEventFeed> OpenAsync(HttpRequest request, IReportGrain reports, string? after, IReadOnlyList<string>? teamIds = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(reports);
        // A browser's EventSource reconnects to the URL it was given, after= and all, and sends the last id it saw in
        // Last-Event-ID: that header is the newer position.
        var lastEventId = request.Headers["Last-Event-ID"].ToString();
        var start = ReportsApi.Position(lastEventId.Length > 0 ? lastEventId : null, "Last-Event-ID")
            ?? ReportsApi.Position(after, "after")
            ?? await reports.GetLatestPosition();
        return new TenantEventFeed(reports, start, await reports.GetEvents(start, BatchSize, teamIds), teamIds);
    }

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var services = httpContext.RequestServices;
        var options = services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var serializer = services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        var response = httpContext.Response;

        // As on the agent's stream: end with the host (readers reconnect elsewhere or later) and at the token's expiry
        // (a revoked supervisor stops receiving).
        var requestAborted = httpContext.RequestAborted;
        using var tokenExpiry = new CancellationTokenSource();
        if (AgentEventStream.ExpiryOf(httpContext.User) is { } expiresAt)
        {
            var remaining = expiresAt - TimeProvider.System.GetUtcNow();
            tokenExpiry.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }

        using var stream = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, lifetime.ApplicationStopping, tokenExpiry.Token);
        var cancellationToken = stream.Token;
        // Waits end with the stream; writes only when the reader leaves or the farewell's time is up (StreamWrites).
        using var writes = new StreamWrites(requestAborted, cancellationToken);

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        try
        {
            // Headers go out at once, so a reader at the live end knows it is connected before any event.
            await response.Body.FlushAsync(writes.Token);
            var position = _start;
            var page = _first;
            // Keep-alives and polling are infrastructure time, on the real monotonic clock.
            var wroteAt = TimeProvider.System.GetTimestamp();
            while (true)
            {
                foreach (var feedEvent in page.Items)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await AgentEventStream.WriteAsync(
                        response, feedEvent.Kind, feedEvent.Position.ToString(CultureInfo.InvariantCulture), feedEvent, serializer, writes.Token);
                    position = feedEvent.Position;
                    wroteAt = TimeProvider.System.GetTimestamp();
                }

                if (page.Items.Count < BatchSize)
                {
                    if (TimeProvider.System.GetElapsedTime(wroteAt) >= options.EventStreamKeepAlive)
                    {
                        await response.WriteAsync(": keep-alive\n\n", writes.Token);
                        await response.Body.FlushAsync(writes.Token);
                        wroteAt = TimeProvider.System.GetTimestamp();
                    }

                    await Task.Delay(options.EventFeedPollInterval, TimeProvider.System, cancellationToken);
                }

                page = await _reports.GetEvents(position, BatchSize, _teamIds);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (!requestAborted.IsCancellationRequested)
            {
                // Tell a reader that is still there why: a fresh token, or another Gateway, lets it resume where it was.
                var reason = tokenExpiry.IsCancellationRequested ? "token-expired" : "shutdown";
                try
                {
                    await AgentEventStream.WriteAsync(response, "stream-closed", null, new AgentEventStream.StreamClosed(reason), serializer, writes.Token);
                }
                catch (Exception exception) when (exception is OperationCanceledException or IOException)
                {
                    // The reader went away meanwhile.
                }
            }
        }
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Not a ProducesResponseType: the document keeps one per status, and this one would replace the JSON body's.
        builder.Metadata.Add(new AlternativeContent(ContentType));
    }
}
