using System.Diagnostics.Metrics;
using WorkSessions.Diagnostics;
using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Diagnostics;

/// <summary>
/// The Gateway's share of the <see cref="WorkSessionsMetrics.MeterName"/> meter: API commands by outcome and the event
/// streams held open. The grains' figures (sessions, prompts, heartbeats) come from the silos.
/// </summary>
public sealed class GatewayMetrics
{
    private readonly Counter<long> _commands;
    private readonly UpDownCounter<long> _eventStreams;

    /// <summary>Created by the container, on its meter factory.</summary>
    public GatewayMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(WorkSessionsMetrics.MeterName);
        _commands = meter.CreateCounter<long>("worksessions.commands", "{command}",
            "API calls by endpoint (tag command) and outcome (tag outcome: ok, or the problem code).");
        _eventStreams = meter.CreateUpDownCounter<long>("worksessions.event_streams", "{connection}",
            "Agent event streams open on this Gateway.");
    }

    /// <summary>Counts an API call's outcome.</summary>
    /// <param name="command">The endpoint's name, e.g. <c>RecordMyActivity</c>.</param>
    /// <param name="outcome"><c>ok</c> or a problem code of <see cref="Problems.Table"/>.</param>
    public void Command(string command, string outcome) =>
        _commands.Add(1, new KeyValuePair<string, object?>("command", command), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Counts an event stream as open until the returned handle is disposed.</summary>
    public IDisposable EventStreamOpened()
    {
        _eventStreams.Add(1);
        return new Closing(_eventStreams);
    }

    private sealed class Closing(UpDownCounter<long> counter) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                counter.Add(-1);
            }
        }
    }
}

/// <summary>Counts every API call by endpoint and outcome, outside the retries so a retried call counts once.</summary>
internal sealed class CountCommands(GatewayMetrics metrics) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var command = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "unnamed";
        try
        {
            var result = await next(context);
            metrics.Command(command, "ok");
            return result;
        }
        catch (Exception exception)
        {
            metrics.Command(command, ProblemExceptionHandler.CodeFor(exception).Code);
            throw;
        }
    }
}
