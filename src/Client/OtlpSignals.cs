using Microsoft.Extensions.Configuration;

namespace WorkSessions.Hosting;

/// <summary>
/// Which signals the standard OpenTelemetry variables ask to export over OTLP (docs/architecture.md#telemetry):
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> turns on traces, metrics and logs; <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>,
/// <c>…_METRICS_ENDPOINT</c> and <c>…_LOGS_ENDPOINT</c> one each; <c>OTEL_SDK_DISABLED=true</c> none. With none set,
/// nothing is exported and nothing is traced: Orleans' activity propagation is not even added, so a grain call carries
/// no trace context.
/// </summary>
/// <param name="Traces">Whether spans are exported.</param>
/// <param name="Metrics">Whether metrics are exported.</param>
/// <param name="Logs">Whether log records are exported.</param>
public sealed record OtlpSignals(bool Traces, bool Metrics, bool Logs)
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Whether any signal is exported.</summary>
    public bool Any => Traces || Metrics || Logs;

    /// <summary>The signals the configuration (environment variables included) asks for.</summary>
    /// <param name="configuration">The host's configuration.</param>
    public static OtlpSignals From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.Equals(configuration["OTEL_SDK_DISABLED"]?.Trim(), "true", StringComparison.OrdinalIgnoreCase))
        {
            return new OtlpSignals(false, false, false);
        }

        var all = IsSet(configuration[EndpointVariable]);
        return new OtlpSignals(
            all || IsSet(SignalEndpoint(configuration, "TRACES")),
            all || IsSet(SignalEndpoint(configuration, "METRICS")),
            all || IsSet(SignalEndpoint(configuration, "LOGS")));
    }

    /// <summary>The <c>OTEL_EXPORTER_OTLP_{SIGNAL}_ENDPOINT</c> of one signal, if set.</summary>
    /// <param name="configuration">The host's configuration.</param>
    /// <param name="signal"><c>TRACES</c>, <c>METRICS</c> or <c>LOGS</c>.</param>
    public static string? SignalEndpoint(IConfiguration configuration, string signal) =>
        configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"] is { } value && IsSet(value) ? value.Trim() : null;

    private static bool IsSet(string? value) => !string.IsNullOrWhiteSpace(value);
}
