using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using WorkSessions.Diagnostics;
using WorkSessions.Hosting;
using WorkSessions.Storage;

if (MigrateCommand.IsRequested(args))
{
    return await MigrateCommand.RunAsync(args[1..]);
}

var builder = Host.CreateApplicationBuilder(HostArguments.WithConfigurationReadOnce(args));
try
{
    var dashboard = DashboardSetting.IsEnabled(builder.Configuration);
    builder.UseOrleans(silo =>
    {
        silo.UseWorkSessionsCluster(builder.Configuration);
        if (dashboard)
        {
            // The dashboard's data for the Gateways that show it; the page itself is on a Gateway, for admins.
            silo.AddDashboard();
        }
    });
}
catch (OptionsValidationException exception)
{
    Console.Error.WriteLine($"Configuration error: {exception.Message}");
    return 2;
}

// A silo has no web server: a small HTTP listener serves the Prometheus scrape at http://{Metrics:Host}:{Metrics:Port}/metrics
// (port 0 turns it off).
var metricsHost = builder.Configuration["Metrics:Host"] ?? "127.0.0.1";
var metricsPort = builder.Configuration.GetValue("Metrics:Port", 9464);
if (metricsPort != 0)
{
    builder.AddOpenTelemetry().WithMetrics(metrics => metrics
        .AddMeter(WorkSessionsMetrics.MeterName)
        .AddMeter([.. WorkSessionsMetrics.PlatformMeters])
        .AddPrometheusHttpListener(listener =>
        {
            listener.Host = metricsHost;
            listener.Port = metricsPort;
        }));
}

// Traces, metrics and logs over OTLP when the OTEL_EXPORTER_OTLP_* variables ask for them (nothing otherwise).
builder.AddWorkSessionsTelemetry();

try
{
    await builder.Build().RunAsync();
}
catch (StorageInUseException exception)
{
    Console.Error.WriteLine($"Cannot start: {exception.Message}");
    return 3;
}
catch (InvalidOperationException exception) when (exception.InnerException is System.Net.HttpListenerException listener)
{
    // Another silo on this machine has the default port: say which setting to change, without a stack trace.
    Console.Error.WriteLine($"Cannot start: the metrics endpoint {metricsHost}:{metricsPort} is not available ({listener.Message}); set Metrics:Port to a free port, or 0.");
    return 3;
}

return 0;
