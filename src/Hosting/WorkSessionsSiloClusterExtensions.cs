using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using WorkSessions.Storage;

namespace WorkSessions.Hosting;

/// <summary>
/// How a silo of the product finds the cluster and its storage, from configuration (docs/architecture.md#storage). One
/// place for the Silo host and the Gateway's in-process silo; clients use <see cref="WorkSessionsClusterExtensions"/>
/// (src/Client), which reads the same <c>Orleans:*</c> keys.
/// </summary>
public static class WorkSessionsSiloClusterExtensions
{
    /// <summary>
    /// A silo of the product: SQLite with localhost clustering by default, or PostgreSQL for state, reminders and
    /// membership; plus the grains' registration.
    /// </summary>
    /// <exception cref="OptionsValidationException">When the <c>Storage</c> or <c>Orleans</c> section is unusable.</exception>
    public static ISiloBuilder UseWorkSessionsCluster(this ISiloBuilder silo, IConfiguration configuration)
    {
        var storage = StorageOptions.FromConfiguration(configuration);
        var orleans = WorkSessionsClusterExtensions.OrleansEndpoint.From(configuration);
        if (storage.Kind == StorageProvider.Postgres)
        {
            // Membership lives in PostgreSQL; other silos and clients reach this one at the advertised address.
            silo.Configure<ClusterOptions>(orleans.ApplyTo);
            silo.ConfigureEndpoints(orleans.AdvertisedIPAddress, orleans.SiloPort, orleans.GatewayPort);
            silo.Services.AddOptions<ClusterMembershipOptions>()
                .Configure(FailureDetection.Apply)
                .Bind(configuration.GetSection(FailureDetection.SectionName));
        }
        else
        {
            silo.UseLocalhostClustering(orleans.SiloPort, orleans.GatewayPort, serviceId: orleans.ServiceId, clusterId: orleans.ClusterId);
        }

        var directoryCacheSize = orleans.DirectoryCacheSize
            ?? (storage.Kind == StorageProvider.Postgres ? GrainDirectoryOptions.DEFAULT_CACHE_SIZE : WorkSessionsClusterExtensions.OrleansEndpoint.OneSiloDirectoryCacheSize);
        silo.Configure<GrainDirectoryOptions>(directory => directory.CacheSize = directoryCacheSize);
        silo.AddWorkSessions();
        if (OtlpSignals.From(configuration).Traces)
        {
            // Grain calls carry their caller's trace context, and the silo's spans join it (docs/architecture.md#telemetry).
            silo.AddActivityPropagation();
        }

        if (storage.Kind == StorageProvider.Postgres)
        {
            // Unset, agent state writes take at most half of the connection pool (the grains' StateWriteGate).
            silo.Services.AddOptions<WorkSessionsOptions>().PostConfigure<WorkSessionsDatabase>(
                (options, database) => options.MaxConcurrentStateWrites ??= WorkSessionsDatabase.DefaultStateWriteLimit(database));
        }

        silo.AddWorkSessionsStorage(configuration);
        silo.AddReportRetention();
        silo.AddWebhookDelivery();
        return silo;
    }
}
