using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using WorkSessions.Diagnostics;
using OrleansSources = Orleans.Diagnostics.ActivitySources;

namespace WorkSessions.Hosting;

/// <summary>
/// OTLP export of traces, metrics and logs, shared by the Silo and the Gateway (either mode), switched on by the standard
/// <c>OTEL_EXPORTER_OTLP_*</c> variables (<see cref="OtlpSignals"/>; docs/architecture.md#telemetry). Off, it registers
/// nothing. The spans: Orleans' grain calls, activations and storage (its activity sources), the product's state and
/// report writes (<see cref="WorkSessionsTracing"/>) and whatever the host adds (the Gateway's incoming requests).
/// </summary>
public static class WorkSessionsTelemetry
{
    /// <summary>Orleans' activity sources: grain calls on both sides, activations, and its storage calls.</summary>
    public static readonly IReadOnlyList<string> OrleansActivitySources =
    [
        OrleansSources.ApplicationGrainActivitySourceName, OrleansSources.RuntimeActivitySourceName,
        OrleansSources.LifecycleActivitySourceName, OrleansSources.StorageActivitySourceName,
    ];

    /// <summary>
    /// Exports what the <c>OTEL_EXPORTER_OTLP_*</c> variables ask for. With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, all three
    /// signals go through the SDK's own reading of every standard variable (protocol, headers, timeout, per-signal
    /// overrides); with only per-signal endpoints, each of those signals goes to its endpoint as given, with
    /// <c>OTEL_EXPORTER_OTLP_{SIGNAL}_PROTOCOL</c> or <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>. The service name is
    /// <c>OTEL_SERVICE_NAME</c>, else the application's name (<c>WorkSessions.Gateway</c>, <c>WorkSessions.Silo</c>).
    /// </summary>
    /// <param name="builder">The host.</param>
    /// <param name="tracing">The host's own span sources (the Gateway's ASP.NET Core instrumentation).</param>
    /// <exception cref="InvalidOperationException">A per-signal endpoint that is not an absolute URL, or an unknown protocol.</exception>
    public static IHostApplicationBuilder AddWorkSessionsTelemetry(this IHostApplicationBuilder builder, Action<TracerProviderBuilder>? tracing = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var signals = OtlpSignals.From(configuration);
        if (!signals.Any)
        {
            return builder;
        }

        var exporters = new Dictionary<string, Action<OtlpExporterOptions>>(StringComparer.Ordinal);
        var everySignal = !string.IsNullOrWhiteSpace(configuration[OtlpSignals.EndpointVariable]);
        foreach (var signal in new[] { "TRACES", "METRICS", "LOGS" })
        {
            exporters[signal] = ExporterOptions(configuration, signal);
        }

        var telemetry = builder.Services.AddOpenTelemetry();
        if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
        {
            telemetry.ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName));
        }

        if (signals.Traces)
        {
            telemetry.WithTracing(traces =>
            {
                traces.AddSource(WorkSessionsTracing.SourceName).AddSource([.. OrleansActivitySources]);
                tracing?.Invoke(traces);
                if (!everySignal)
                {
                    traces.AddOtlpExporter(exporters["TRACES"]);
                }
            });
        }

        if (signals.Metrics)
        {
            telemetry.WithMetrics(metrics =>
            {
                metrics.AddMeter(WorkSessionsMetrics.MeterName).AddMeter([.. WorkSessionsMetrics.PlatformMeters]);
                if (!everySignal)
                {
                    metrics.AddOtlpExporter(exporters["METRICS"]);
                }
            });
        }

        if (signals.Logs)
        {
            telemetry.WithLogging(logs =>
            {
                if (!everySignal)
                {
                    logs.AddOtlpExporter(exporters["LOGS"]);
                }
            });
        }

        if (everySignal)
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>A per-signal endpoint and protocol, checked now so a typo stops the start rather than the first export.</summary>
    private static Action<OtlpExporterOptions> ExporterOptions(IConfiguration configuration, string signal)
    {
        Uri? endpoint = null;
        if (OtlpSignals.SignalEndpoint(configuration, signal) is { } given
            && (!Uri.TryCreate(given, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https")))
        {
            throw new InvalidOperationException($"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT '{given}' is not an absolute http or https URL.");
        }

        var protocolVariable = configuration[$"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL"] is { Length: > 0 } ? $"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL";
        OtlpExportProtocol? protocol = configuration[protocolVariable]?.Trim() switch
        {
            null or "" => null,
            "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            var other => throw new InvalidOperationException($"{protocolVariable} '{other}' is not a protocol the exporter speaks: grpc or http/protobuf."),
        };
        return options =>
        {
            if (endpoint is not null)
            {
                options.Endpoint = endpoint;
            }

            if (protocol is { } chosen)
            {
                options.Protocol = chosen;
            }
        };
    }
}
