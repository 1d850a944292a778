using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using WorkSessions.Storage;

namespace WorkSessions.Hosting;

/// <summary>
/// How clients find the cluster, from configuration (docs/architecture.md#storage): the Gateway's client mode and backend
/// services such as samples/RoutingService. The <c>Orleans:*</c> keys are read here for silos too
/// (<c>WorkSessionsSiloClusterExtensions</c> in src/Hosting), so both sides agree.
/// </summary>
public static class WorkSessionsClusterExtensions
{
    /// <summary>
    /// A pure client of a separate cluster: found through PostgreSQL's membership table, or, with SQLite, the one
    /// silo on this machine at <c>Orleans:GatewayPort</c>. It connects in the background (<see cref="ClusterConnection"/>),
    /// so the host starts before the cluster does.
    /// </summary>
    /// <exception cref="OptionsValidationException">When the <c>Storage</c> or <c>Orleans</c> section is unusable.</exception>
    public static IClientBuilder UseWorkSessionsCluster(this IClientBuilder client, IConfiguration configuration)
    {
        var storage = StorageOptions.FromConfiguration(configuration);
        var orleans = OrleansEndpoint.From(configuration);
        if (storage.Kind == StorageProvider.Postgres)
        {
            client.Configure<ClusterOptions>(orleans.ApplyTo);
            client.AddWorkSessionsStorage(configuration);
        }
        else
        {
            client.UseLocalhostClustering(orleans.GatewayPort, serviceId: orleans.ServiceId, clusterId: orleans.ClusterId);
        }

        // Every grain call of the product is short (one storage write at most); a call lost with a silo should fail
        // within seconds, so the caller can retry it, rather than after Orleans' default 30 s.
        client.Services.AddOptions<ClientMessagingOptions>()
            .Configure(messaging => messaging.ResponseTimeout = FailureDetection.ClientResponseTimeout)
            .Bind(configuration.GetSection(FailureDetection.SectionName));
        // A silo that joins (or comes back from a restart) is used within seconds, not after the default minute.
        client.Services.AddOptions<GatewayOptions>()
            .Configure(gateways => gateways.GatewayListRefreshPeriod = FailureDetection.GatewayListRefreshPeriod)
            .Bind(configuration.GetSection(FailureDetection.SectionName));
        if (OtlpSignals.From(configuration).Traces)
        {
            // A grain call carries the request's trace context to the silo (docs/architecture.md#telemetry).
            client.AddActivityPropagation();
        }

        var hostedClient = client.Services.Where(ClusterConnection.IsOrleansHostedClient).ToList();
        if (hostedClient.Count != 1)
        {
            throw new InvalidOperationException(
                $"Expected Orleans to register exactly one hosted cluster client, found {hostedClient.Count}; ClusterConnection cannot replace it.");
        }

        client.Services.Remove(hostedClient[0]);
        client.Services.AddSingleton<IClientConnectionRetryFilter, ClusterConnection.RetryForever>();
        client.Services.AddSingleton<ClusterConnection>();
        client.Services.AddHostedService(services => services.GetRequiredService<ClusterConnection>());
        return client;
    }

    /// <summary>The <c>Orleans:*</c> keys with their defaults.</summary>
    /// <param name="ClusterId"><c>Orleans:ClusterId</c>, <c>work-sessions</c> unless set.</param>
    /// <param name="ServiceId"><c>Orleans:ServiceId</c>, <c>work-sessions</c> unless set.</param>
    /// <param name="SiloPort"><c>Orleans:SiloPort</c>, silo-to-silo traffic; 11111 unless set.</param>
    /// <param name="GatewayPort"><c>Orleans:GatewayPort</c>, clients' traffic; 30000 unless set.</param>
    /// <param name="AdvertisedIPAddress"><c>Orleans:AdvertisedIPAddress</c>, where other silos reach this one; 127.0.0.1 unless set.</param>
    /// <param name="DirectoryCacheSize">
    /// <c>Orleans:DirectoryCacheSize</c>, how many other silos' grain addresses a silo remembers (at least
    /// <see cref="MinimumDirectoryCacheSize"/>); unset: <see cref="OneSiloDirectoryCacheSize"/> with SQLite, where one
    /// silo holds every grain, and Orleans' 1,000,000 with PostgreSQL. Orleans allocates each cache's table for all of
    /// them when the silo starts: about 9 MiB of managed heap each at a million (docs/architecture.md, Operations:
    /// "Grain directory cache").
    /// </param>
    public sealed record OrleansEndpoint(string ClusterId, string ServiceId, int SiloPort, int GatewayPort, IPAddress AdvertisedIPAddress, int? DirectoryCacheSize = null)
    {
        /// <summary>The least <c>Orleans:DirectoryCacheSize</c> accepted.</summary>
        public const int MinimumDirectoryCacheSize = 1_000;

        /// <summary>The directory cache's size on SQLite: the one silo never looks another's grains up.</summary>
        public const int OneSiloDirectoryCacheSize = 10_000;

        public void ApplyTo(ClusterOptions cluster)
        {
            cluster.ClusterId = ClusterId;
            cluster.ServiceId = ServiceId;
        }

        /// <exception cref="OptionsValidationException">When <c>Orleans:AdvertisedIPAddress</c> is not an IP address.</exception>
        public static OrleansEndpoint From(IConfiguration configuration)
        {
            var section = configuration.GetSection("Orleans");
            var advertised = section["AdvertisedIPAddress"] ?? "127.0.0.1";
            if (!IPAddress.TryParse(advertised, out var address))
            {
                throw new OptionsValidationException(
                    "Orleans", typeof(OrleansEndpoint), [$"Orleans:AdvertisedIPAddress is '{advertised}', not an IP address."]);
            }

            int? directoryCacheSize = null;
            if (section["DirectoryCacheSize"] is { } cacheSize)
            {
                if (!int.TryParse(cacheSize, NumberStyles.None, CultureInfo.InvariantCulture, out var entries) || entries < MinimumDirectoryCacheSize)
                {
                    throw new OptionsValidationException(
                        "Orleans", typeof(OrleansEndpoint),
                        [$"Orleans:DirectoryCacheSize is '{cacheSize}', not a whole number of entries of at least {MinimumDirectoryCacheSize:N0}."]);
                }

                directoryCacheSize = entries;
            }

            return new OrleansEndpoint(
                section["ClusterId"] ?? "work-sessions",
                section["ServiceId"] ?? "work-sessions",
                section.GetValue("SiloPort", 11111),
                section.GetValue("GatewayPort", 30000),
                address,
                directoryCacheSize);
        }
    }
}
