using WorkSessions.Hosting;
using WorkSessions.Storage;

namespace WorkSessions.Gateway.Resilience;

/// <summary>
/// A client-mode Gateway has no silo of its own whose writes it could watch, so its readiness learns from its write
/// commands (every method but GET and HEAD, heartbeats aside, which write nothing): one that meets a storage failure (the
/// 503 of a full disk or a read-only database) marks storage writes failing, one that succeeds marks them working
/// again. A cohosted Gateway leaves this to its silo, whose every state write reports to the same
/// <see cref="StorageWriteHealth"/>.
/// </summary>
internal sealed class TrackStorageWrites(StorageWriteHealth health, IServiceProvider services) : IEndpointFilter
{
    private readonly bool _clientMode = services.GetService<ClusterConnection>() is not null;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!_clientMode || HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
            || http.GetEndpoint()?.Metadata.GetMetadata<IdempotentAttribute>() is not null)
        {
            return await next(context);
        }

        object? result;
        try
        {
            result = await next(context);
        }
        catch (Exception exception) when (TransientFailures.StorageFailure(exception) is { } failure)
        {
            health.Failed(failure);
            throw;
        }

        health.Succeeded();
        return result;
    }
}
