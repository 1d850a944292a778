using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WorkSessions.Reporting;

namespace WorkSessions.Hosting;

/// <summary>The silo-side registration of the product, shared by the Silo host and the Gateway's in-process silo.</summary>
public static class WorkSessionsSiloBuilderExtensions
{
    /// <summary>
    /// Registers the grains' options (bound from <c>WorkSessions</c> and <c>Reporting</c>, validated on start), the
    /// report writer that delivers outboxes, the clock and the System.Text.Json grain-storage serializer. The report
    /// store itself comes with the database (<see cref="Storage.WorkSessionsStorageExtensions"/>). Storage and reminders come from <see cref="WorkSessionsClusterExtensions"/>.
    /// </summary>
    public static ISiloBuilder AddWorkSessions(this ISiloBuilder builder)
    {
        builder.Services.AddOptions<WorkSessionsOptions>()
            .BindConfiguration(WorkSessionsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ReportingOptions>()
            .BindConfiguration(ReportingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<ReportWriter>();
        builder.Services.TryAddSingleton(services =>
            new Storage.DeadlineWritePacer(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WorkSessionsOptions>>().Value.DeadlineWriteDelayLimit));
        builder.Services.TryAddSingleton<Storage.StorageWriteHealth>();
        builder.Services.TryAddSingleton<Storage.StateWriteGate>();
        builder.Services.TryAddSingleton<LocalSiloStatus>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<ReportWriter>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<Diagnostics.WorkSessionsMetrics>();
        builder.UseSystemTextJsonGrainStorageSerializer();
        return builder;
    }
}
