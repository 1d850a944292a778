using WorkSessions.Gateway.Errors;
using WorkSessions.Hosting;

namespace WorkSessions.Gateway.Resilience;

/// <summary>
/// A client-mode Gateway answers API calls with 503 <c>service_unavailable</c> (and <c>Retry-After</c>) until its
/// background connection to the cluster has succeeded, rather than letting a call reach a client that is not started.
/// </summary>
internal static class ClusterConnectionGate
{
    public static IApplicationBuilder UseClusterConnectionGate(this IApplicationBuilder app, PathString apiPrefix)
    {
        var connection = app.ApplicationServices.GetService<ClusterConnection>();
        if (connection is null)
        {
            // A cohosted silo starts with the host: there is nothing to wait for.
            return app;
        }

        return app.Use(async (context, next) =>
        {
            if (!connection.IsConnected && context.Request.Path.StartsWithSegments(apiPrefix))
            {
                await Problems.WriteAsync(context, Problems.ServiceUnavailable, "The Gateway has not connected to the cluster yet; retry shortly.");
                return;
            }

            await next(context);
        });
    }
}
