using System.Security.Claims;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Apis;
using WorkSessions.Gateway.Hosting;

namespace WorkSessions.Gateway.Events;

/// <summary>
/// <c>GET /me/events</c>: subscribes a grain observer to the agent's grain (wherever in the cluster it lives)
/// and relays its events as server-sent events. The first event is always a snapshot, so a reconnecting
/// client starts from the current state; comment lines keep idle proxies from closing the stream.
/// </summary>
public static class AgentEventStream
{
    public static async Task StreamAsync(
        HttpContext context,
        ClaimsPrincipal user,
        IGrainFactory grains,
        IOptions<JsonOptions> json,
        IOptions<GatewayOptions> options,
        IHostApplicationLifetime lifetime,
        EventStreamSlots slots,
        Diagnostics.GatewayMetrics metrics,
        GatewayPresence presence,
        CancellationToken cancellationToken)
    {
        // Streams stay open all shift: end them when the host stops (clients reconnect and get a snapshot), or
        // shutdown waits out its timeout and the silo stops with their subscriptions still in place. They also end
        // when the token expires, so a revoked user does not keep receiving, and when a newer stream takes the slot.
        var requestAborted = cancellationToken;
        using var tokenExpiry = new CancellationTokenSource();
        if (ExpiryOf(user) is { } expiresAt)
        {
            var remaining = expiresAt - TimeProvider.System.GetUtcNow();
            tokenExpiry.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        }

        using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping, tokenExpiry.Token);

        cancellationToken = stream.Token;
        // Waits end with the stream; writes only when the client leaves or the farewell's time is up (StreamWrites).
        using var writes = new StreamWrites(requestAborted, cancellationToken);
        var agent = MeApi.Me(user, grains);
        using var slot = slots.Open(agent.GetPrimaryKeyString(), stream);
        using var connection = metrics.EventStreamOpened();
        var events = Channel.CreateUnbounded<AgentEvent>(new UnboundedChannelOptions { SingleReader = true });
        var observer = new ChannelObserver(events.Writer);
        var reference = grains.CreateObjectReference<IAgentObserver>(observer);
        var serializer = json.Value.SerializerOptions;
        var keepAlive = options.Value.EventStreamKeepAlive;
        // Renewing often matters more than the lease: a reactivated agent grain (after a lost silo or a failed
        // write) has no subscribers, and renewing is how the stream notices and resends a snapshot.
        // It is also how a reactivated grain learns that this stream is open (docs/architecture.md#client-presence).
        var renewEvery = new[] { keepAlive, IAgentGrain.ObserverLease / 3, IAgentGrain.PresenceReannounceWindow / 2 }.Min();
        var streamId = Guid.NewGuid();
        var connected = false;

        try
        {
            var snapshot = (await agent.Subscribe(reference)).View;
            await presence.ConnectedAsync(agent.GetPrimaryKeyString(), streamId);
            connected = true;
            // Lease renewal is infrastructure liveness on the real monotonic clock, not domain time.
            var renewedAt = TimeProvider.System.GetTimestamp();
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.Headers["X-Accel-Buffering"] = "no";
            await WriteAsync(context.Response, "snapshot", null, snapshot, serializer, writes.Token);

            while (true)
            {
                // Thrown rather than looped out of: an ended stream leaves through the farewell below.
                cancellationToken.ThrowIfCancellationRequested();
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(keepAlive);
                try
                {
                    await events.Reader.WaitToReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", writes.Token);
                    await context.Response.Body.FlushAsync(writes.Token);
                }

                while (events.Reader.TryRead(out var agentEvent))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var (name, payload) = Describe(agentEvent);
                    await WriteAsync(context.Response, name, agentEvent.EventId.ToString(), payload, serializer, writes.Token);
                }

                if (TimeProvider.System.GetElapsedTime(renewedAt) >= renewEvery)
                {
                    var renewal = await agent.Subscribe(reference);
                    renewedAt = TimeProvider.System.GetTimestamp();
                    if (!renewal.Renewed)
                    {
                        await presence.ConnectedAsync(agent.GetPrimaryKeyString(), streamId);
                        // Events may have been missed meanwhile: the current state stands in for them.
                        await WriteAsync(context.Response, "snapshot", null, renewal.View, serializer, writes.Token);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (!requestAborted.IsCancellationRequested && context.Response.HasStarted)
            {
                // Tell a client that is still there why, so it knows whether to reconnect (a fresh token) or not.
                var reason = slot.Superseded ? "superseded"
                    : tokenExpiry.IsCancellationRequested ? "token-expired"
                    : "shutdown";
                try
                {
                    await WriteAsync(context.Response, "stream-closed", null, new StreamClosed(reason), serializer, writes.Token);
                }
                catch (Exception exception) when (exception is OperationCanceledException or IOException)
                {
                    // The client went away meanwhile.
                }
            }
        }
        finally
        {
            if (connected)
            {
                await presence.DisconnectedAsync(agent.GetPrimaryKeyString(), streamId);
            }

            try
            {
                await agent.Unsubscribe(reference);
            }
            catch (Exception)
            {
                // Best effort: an unrenewed subscription lapses by itself.
            }

            grains.DeleteObjectReference<IAgentObserver>(reference);
            GC.KeepAlive(observer);
        }
    }

    /// <summary>When the caller's token expires (its <c>exp</c> claim), if it says.</summary>
    internal static DateTimeOffset? ExpiryOf(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirst("exp")?.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>The last event of a stream the server closes: <c>superseded</c>, <c>token-expired</c> or <c>shutdown</c>.</summary>
    /// <param name="Reason">Why the stream closed.</param>
    public sealed record StreamClosed(string Reason);

    /// <summary>The SSE event name and payload of each agent event (docs/http-api.md).</summary>
    public static (string Name, object Payload) Describe(AgentEvent agentEvent) => agentEvent switch
    {
        InactivityWarned warned => ("inactivity-warning", new { warned.SessionId, WarnedAt = warned.At, warned.Deadline }),
        WarningCleared cleared => ("warning-cleared", new { cleared.SessionId, cleared.At, cleared.Cause }),
        SessionEnded ended => ("session-ended", ended.Record),
        StatusChanged changed => ("status-changed", new { changed.SessionId, changed.At, changed.From, changed.To, changed.Reason, changed.Actor }),
        SessionStarted started => ("session-started", new { started.SessionId, StartedAt = started.At }),
        StatusLimitWarned warned => ("status-limit-warning", new { warned.SessionId, warned.At, warned.Reason, warned.LimitAt }),
        StatusLimitReached reached => ("status-limit-reached", new { reached.SessionId, reached.At, reached.Reason, reached.Action, reached.Since }),
        ShiftEnding ending => ("shift-ending", new { ending.SessionId, ending.At, ending.EndsAt }),
        ClientGone gone => ("client-gone", new { gone.SessionId, gone.At, gone.Action, gone.GoneSince }),
        ClientBack back => ("client-back", new { back.SessionId, back.At, back.GoneSince }),
        _ => ("event", agentEvent),
    };

    /// <summary>Writes one server-sent event and flushes it, so it leaves at once.</summary>
    internal static async Task WriteAsync(HttpResponse response, string name, string? id, object payload, JsonSerializerOptions serializer, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Serialize(payload, payload.GetType(), serializer);
        var frame = id is null ? $"event: {name}\ndata: {data}\n\n" : $"id: {id}\nevent: {name}\ndata: {data}\n\n";
        await response.WriteAsync(frame, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private sealed class ChannelObserver(ChannelWriter<AgentEvent> writer) : IAgentObserver
    {
        public Task OnAgentEvents(IReadOnlyList<AgentEvent> agentEvents)
        {
            foreach (var agentEvent in agentEvents)
            {
                writer.TryWrite(agentEvent);
            }

            return Task.CompletedTask;
        }
    }
}
