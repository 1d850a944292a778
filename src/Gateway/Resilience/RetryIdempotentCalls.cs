namespace WorkSessions.Gateway.Resilience;

/// <summary>Marks an endpoint that is not a GET but may be repeated safely (a heartbeat), so transient failures are retried.</summary>
public sealed class IdempotentAttribute : Attribute;

/// <summary>
/// Retries idempotent calls (GETs and endpoints marked <see cref="IdempotentAttribute"/>) when the cluster fails
/// transiently, a bounded number of times with a short backoff. While a lost silo is not yet declared dead (a few
/// seconds, see <c>FailureDetection</c>), calls to its grains fail fast; the budget here spans that window, so an agent's
/// client rarely sees a 503 during a silo loss. A response that has started (an event stream) is never retried.
/// </summary>
internal sealed partial class RetryIdempotentCalls(ILogger<RetryIdempotentCalls> logger) : IEndpointFilter
{
    /// <summary>The waits before each retry: about 4.4 s in all, past a death declaration on a LAN.</summary>
    internal static readonly TimeSpan[] Backoff =
        [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400),
         TimeSpan.FromMilliseconds(700), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)];

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!IsIdempotent(http))
        {
            return await next(context);
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await next(context);
            }
            catch (Exception exception) when (attempt < Backoff.Length && !http.Response.HasStarted
                && !http.RequestAborted.IsCancellationRequested && TransientFailures.IsTransient(exception))
            {
                LogRetry(logger, http.Request.Method, http.Request.Path, attempt + 1, exception.GetType().Name);
                await Task.Delay(Backoff[attempt], http.RequestAborted);
            }
        }
    }

    private static bool IsIdempotent(HttpContext http) =>
        HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
        || http.GetEndpoint()?.Metadata.GetMetadata<IdempotentAttribute>() is not null;

    [LoggerMessage(LogLevel.Information, "Retrying {Method} {Path} (retry {Attempt}) after a transient {Failure}")]
    private static partial void LogRetry(ILogger logger, string method, string path, int attempt, string failure);
}
