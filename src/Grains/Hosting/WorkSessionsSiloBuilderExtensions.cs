using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace WorkSessions.Hosting;

/// <summary>The silo-side registration of the product, shared by the Silo host and the Gateway's in-process silo.</summary>
public static class WorkSessionsSiloBuilderExtensions
{
    /// <summary>
    /// Registers the grains' options (bound from <c>WorkSessions</c>, validated on start), the clock and
    /// the System.Text.Json grain-storage serializer. Storage and reminders come from <see cref="WorkSessionsClusterExtensions"/>.
    /// </summary>
    public static ISiloBuilder AddWorkSessions(this ISiloBuilder builder)
    {
        builder.Services.AddOptions<WorkSessionsOptions>()
            .BindConfiguration(WorkSessionsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<Diagnostics.WorkSessionsMetrics>();
        builder.UseSystemTextJsonGrainStorageSerializer();
        return builder;
    }
}
