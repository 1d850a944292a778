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
    /// store (<see cref="Storage.IReportStore"/>) comes with the database (src/Storage); storage, reminders and clustering
    /// come from the cluster set-up (src/Hosting).
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
        builder.Services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(options => options.RetryDelays is null || options.RetryDelays.All(delay => delay > TimeSpan.Zero), "Webhooks:RetryDelays are positive durations.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, Webhooks.WebhookWake>();
        builder.Services.TryAddSingleton<ReportWriter>();
        builder.Services.TryAddSingleton(services =>
            new Storage.DeadlineWritePacer(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WorkSessionsOptions>>().Value.DeadlineWriteDelayLimit));
        builder.Services.TryAddSingleton<Storage.StorageWriteHealth>();
        builder.Services.TryAddSingleton<Storage.StateWriteGate>();
        builder.Services.TryAddSingleton<LocalSiloStatus>();
        builder.Services.TryAddSingleton<LocalLeaseWatches>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<LocalLeaseWatches>());
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<ReportWriter>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<Diagnostics.WorkSessionsMetrics>();
        builder.UseSystemTextJsonGrainStorageSerializer();
        return builder;
    }

    /// <summary>
    /// The daily purge of report rows older than <c>Reporting:RetentionDays</c>, on the silo's report store
    /// (<see cref="Storage.IReportStore"/>, registered with the database).
    /// </summary>
    public static ISiloBuilder AddReportRetention(this ISiloBuilder builder)
    {
        builder.Services.TryAddSingleton<ReportRetention>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<ReportRetention>());
        return builder;
    }
}
