using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Scalar.AspNetCore;
using WorkSessions.Gateway.Apis;
using WorkSessions.Gateway.Auth;
using Orleans.Dashboard;
using WorkSessions.Gateway.Diagnostics;
using WorkSessions.Gateway.Errors;
using WorkSessions.Gateway.Hosting;
using WorkSessions.Gateway.Resilience;
using WorkSessions.Hosting;

if (args is ["token", .. var tokenArgs])
{
    return TokenCommand.Run(tokenArgs);
}

if (MigrateCommand.IsRequested(args))
{
    return await MigrateCommand.RunAsync(args[1..]);
}

var builder = WebApplication.CreateBuilder(HostArguments.WithConfigurationReadOnce(args));
builder.AddWorkSessionsOrleans();
builder.AddWorkSessionsAuth();
builder.AddWorkSessionsHttp();
builder.AddWorkSessionsMetrics();
builder.AddWorkSessionsTracing();

var app = builder.Build();
app.UseExceptionHandler();
// Rejections the framework answers with a bare status (body too large, wrong content type, no such route) get problem details too.
app.UseStatusCodePages(Problems.WriteForBareStatusAsync);
app.UseUtf8JsonBodies();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseClusterConnectionGate("/api");
app.UseWorkSessionsConsole();

// The one document by its literal path: the default pattern answers other names with a plain-text 404.
app.MapOpenApi("/openapi/v1.json");
app.MapScalarApiReference();
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions
{
    Predicate = check => check.Tags.Contains("ready"),
    ResponseWriter = ReadinessResponse.WriteAsync,
});
// For the scraper on the operators' network, like the health checks; it holds counts, never agent or tenant ids.
// Neither is part of the HTTP API's contract.
app.MapPrometheusScrapingEndpoint("/metrics").ExcludeFromDescription();
if (DashboardSetting.IsEnabled(app.Configuration))
{
    app.MapOrleansDashboard("/dashboard").RequireAuthorization(Policies.Admin).ExcludeFromDescription();
}

// Counted once per call, outside the retries.
var api = app.MapGroup("/api/v1").AddEndpointFilter<CountCommands>().AddEndpointFilter<TrackStorageWrites>().AddEndpointFilter<RetryIdempotentCalls>();
api.MapMeApi();
api.MapSupervisorApi();
api.MapPreferencesApi();
api.MapReportsApi();
api.MapWebhooksApi();
api.MapTeamsApi();
api.MapDevTokensApi(app.Environment, app.Services.GetRequiredService<AuthOptions>());

try
{
    await app.RunAsync();
}
catch (WorkSessions.Storage.StorageInUseException exception)
{
    Console.Error.WriteLine($"Cannot start: {exception.Message}");
    return 3;
}

return 0;

/// <summary>The Gateway's entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
