using System.Diagnostics;

namespace WorkSessions.Diagnostics;

/// <summary>
/// The product's own spans (docs/architecture.md#telemetry): a grain's state write and the report writer's batch write,
/// on the <see cref="SourceName"/> activity source. Nobody listens unless OTLP tracing is on, and then
/// <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null: a write pays one check.
/// </summary>
public static class WorkSessionsTracing
{
    /// <summary>The activity source's name, to list in an OpenTelemetry tracer provider.</summary>
    public const string SourceName = "WorkSessions.Storage";

    /// <summary>The span around one grain's state write (its report entries ride along in the same row).</summary>
    public const string StateWrite = "state write";

    /// <summary>The span around one batch of report rows written by a silo's report writer.</summary>
    public const string ReportWrite = "report write";

    internal static readonly ActivitySource Source = new(SourceName);
}
