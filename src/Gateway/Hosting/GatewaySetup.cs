using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using WorkSessions.Gateway.Apis;
using WorkSessions.Gateway.Auth;
using WorkSessions.Gateway.Errors;
using Orleans.Dashboard;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using WorkSessions.Hosting;

namespace WorkSessions.Gateway.Hosting;

public static class GatewaySetup
{
    /// <summary>
    /// The Orleans side: by default (<c>Orleans:Mode=cohosted</c>) a silo in this process, so one command runs
    /// the product; with <c>client</c>, a pure client of a separate cluster.
    /// </summary>
    public static WebApplicationBuilder AddWorkSessionsOrleans(this WebApplicationBuilder builder)
    {
        var mode = builder.Configuration["Orleans:Mode"] ?? "cohosted";
        var dashboard = DashboardSetting.IsEnabled(builder.Configuration);
        switch (mode)
        {
            case "cohosted":
                builder.UseOrleans(silo =>
                {
                    silo.UseWorkSessionsCluster(builder.Configuration);
                    if (dashboard)
                    {
                        silo.AddDashboard();
                    }
                });
                break;
            case "client":
                // The dashboard's data comes from the silos, which add it too (src/Silo).
                builder.UseOrleansClient(client =>
                {
                    client.UseWorkSessionsCluster(builder.Configuration);
                    if (dashboard)
                    {
                        client.AddDashboard();
                    }
                });
                break;
            default:
                throw new InvalidOperationException($"Orleans:Mode must be 'cohosted' or 'client', not '{mode}'.");
        }

        return builder;
    }

    /// <summary>
    /// Metrics on the Prometheus scrape endpoint (<c>/metrics</c>): the product's meter (sessions, prompts, heartbeats from
    /// a cohosted silo; API commands and event streams from the Gateway), Orleans' and ASP.NET Core's.
    /// </summary>
    public static WebApplicationBuilder AddWorkSessionsMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Diagnostics.GatewayMetrics>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(WorkSessions.Diagnostics.WorkSessionsMetrics.MeterName)
            .AddMeter([.. WorkSessions.Diagnostics.WorkSessionsMetrics.PlatformMeters])
            .AddMeter(AspNetCoreMeters)
            .AddPrometheusExporter());
        return builder;
    }

    /// <summary>
    /// Traces, metrics and logs over OTLP when the <c>OTEL_EXPORTER_OTLP_*</c> variables ask for them (nothing otherwise;
    /// docs/architecture.md#telemetry), in either Orleans mode: the spans of incoming API requests, besides Orleans' and
    /// the product's. Scrapes and health probes are not traced.
    /// </summary>
    public static WebApplicationBuilder AddWorkSessionsTracing(this WebApplicationBuilder builder)
    {
        builder.AddWorkSessionsTelemetry(tracing => tracing.AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context =>
            !context.Request.Path.StartsWithSegments("/metrics") && !context.Request.Path.StartsWithSegments("/health")));
        return builder;
    }

    /// <summary>The meters ASP.NET Core publishes on its own (requests, connections, rate limiting, authentication).</summary>
    private static readonly string[] AspNetCoreMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics", "Microsoft.AspNetCore.RateLimiting", "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
    ];

    /// <summary>Strict JSON, problem details, limits, rate limiting, OpenAPI and health checks.</summary>
    public static WebApplicationBuilder AddWorkSessionsHttp(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddDeadConnectionDetection();
        services.TryAddSingletonTimeProvider();

        services.ConfigureHttpJsonOptions(options => ConfigureJson(options.SerializerOptions));
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();

        services.AddOptions<KestrelServerOptions>().Configure<IOptions<GatewayOptions>>((kestrel, gateway) =>
        {
            var limits = gateway.Value;
            kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            kestrel.Limits.MaxConcurrentConnections = limits.MaxConcurrentConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = limits.MaxConcurrentConnections;
            kestrel.Limits.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersTotalSize;
            kestrel.Limits.MaxRequestHeaderCount = limits.MaxRequestHeaderCount;
            kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        });
        services.AddSingleton<Events.EventStreamSlots>();
        services.AddSingleton<Events.GatewayPresence>();
        services.AddHostedService(provider => provider.GetRequiredService<Events.GatewayPresence>());
        services.AddSingleton<Auth.SupervisorVisibility>();

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(MeApi.HeartbeatRateLimit, context =>
            {
                var limits = context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value;
                var caller = Caller.From(context.User);
                return PerUserBucket($"{caller.TenantId}/{caller.UserId}", limits.HeartbeatBurst, limits.HeartbeatsPerMinute);
            });
            // Every state-changing call costs a storage write, so each user gets a budget of them; endpoints with a
            // policy of their own (heartbeats) are left to it. A global limiter, so a new endpoint cannot escape it.
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var endpoint = context.GetEndpoint();
                if (endpoint is null || HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
                    || HttpMethods.IsOptions(context.Request.Method) || endpoint.Metadata.GetMetadata<EnableRateLimitingAttribute>() is not null
                    || context.User.FindFirst(WorkSessionsClaims.Tenant)?.Value is not { } tenant
                    || context.User.FindFirst(WorkSessionsClaims.Subject)?.Value is not { } subject)
                {
                    return RateLimitPartition.GetNoLimiter("");
                }

                var limits = context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value;
                return PerUserBucket($"{tenant}/{subject}", limits.WriteBurst, limits.WritesPerMinute);
            });
            limiter.OnRejected = async (context, _) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Problems.WriteAsync(context.HttpContext, Problems.RateLimited);
            };
        });

        services.AddOpenApi(OpenApiContract.Configure);
        // One per process: a cohosted silo's state writes report to it, and in client mode the API's own outcomes do.
        services.TryAddSingleton<WorkSessions.Storage.StorageWriteHealth>();
        services.AddHealthChecks()
            .AddCheck<ClusterReadyCheck>("cluster", tags: ["ready"])
            .AddCheck<StorageWritesReadyCheck>("storage-writes", tags: ["ready"]);
        return builder;
    }

    private static RateLimitPartition<string> PerUserBucket(string user, int burst, int perMinute) =>
        RateLimitPartition.GetTokenBucketLimiter(user, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    public static void ConfigureJson(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        json.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        json.NumberHandling = JsonNumberHandling.Strict;
        json.Converters.Add(new StrictEnumConverter());
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (services.All(descriptor => descriptor.ServiceType != typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}

/// <summary>
/// Ready when the cluster answers a grain call (the tenant grain reads its storage on activation). A client-mode Gateway
/// whose background connection has not succeeded yet is alive but not ready.
/// </summary>
internal sealed class ClusterReadyCheck(IGrainFactory grains, IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<ClusterConnection>() is { IsConnected: false })
        {
            return HealthCheckResult.Unhealthy("Not connected to the cluster yet.");
        }

        try
        {
            await grains.GetTenantGrain("health-check").GetPreferences().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception)
        {
            return HealthCheckResult.Unhealthy("The cluster did not answer a grain call.", exception);
        }
    }
}

/// <summary>
/// Not ready while the storage refuses writes (a full disk, a read-only database): every write command would be a 503, so
/// a load balancer should send them elsewhere. The description names the database's reason. Ready again after a write
/// succeeds, or <see cref="WorkSessions.Storage.StorageWriteHealth.Window"/> after the last failure when none is tried.
/// </summary>
internal sealed class StorageWritesReadyCheck(WorkSessions.Storage.StorageWriteHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = health.Current;
        return Task.FromResult(status.Failing
            ? HealthCheckResult.Unhealthy(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"Storage writes fail: {status.Reason} ({status.Failures} failed since {status.FirstFailureAt:O}, the last at {status.LastFailureAt:O}; none succeeded since)."))
            : HealthCheckResult.Healthy());
    }
}

/// <summary>
/// The body of <c>/health/ready</c>: the overall status alone while ready (as ASP.NET Core's default writer has it), and
/// after it one line per check that is not healthy, with its reason, so an operator sees why the node is out.
/// </summary>
internal static class ReadinessResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new System.Text.StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries.Where(entry => entry.Value.Status != HealthStatus.Healthy).OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            text.Append('\n').Append(name).Append(": ").Append(entry.Description ?? entry.Status.ToString());
        }

        return context.Response.WriteAsync(text.ToString());
    }
}
