using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using WorkSessions.Storage;

namespace WorkSessions.Hosting;

/// <summary>
/// How silos and clients find the cluster and its storage, from configuration (docs/architecture.md#storage). One place for the
/// Silo host, the Gateway's in-process silo and the Gateway's client mode.
/// </summary>
public static class WorkSessionsClusterExtensions
{
    /// <summary>
    /// A silo of the product: SQLite with localhost clustering by default, or PostgreSQL for state, reminders and
    /// membership; plus the grains' registration.
    /// </summary>
    /// <exception cref="OptionsValidationException">When the <c>Storage</c> or <c>Orleans</c> section is unusable.</exception>
    public static ISiloBuilder UseWorkSessionsCluster(this ISiloBuilder silo, IConfiguration configuration)
    {
        var storage = StorageOptions.FromConfiguration(configuration);
        var orleans = OrleansEndpoint.From(configuration);
        if (storage.Kind == StorageProvider.Postgres)
        {
            // Membership lives in PostgreSQL; other silos and clients reach this one at the advertised address.
            silo.Configure<ClusterOptions>(orleans.ApplyTo);
            silo.ConfigureEndpoints(orleans.AdvertisedIPAddress, orleans.SiloPort, orleans.GatewayPort);
        }
        else
        {
            silo.UseLocalhostClustering(orleans.SiloPort, orleans.GatewayPort, serviceId: orleans.ServiceId, clusterId: orleans.ClusterId);
        }

        silo.AddWorkSessions();
        silo.AddWorkSessionsStorage(configuration);
        return silo;
    }

    /// <summary>
    /// A pure client of a separate cluster: found through PostgreSQL's membership table, or, with SQLite, the one
    /// silo on this machine at <c>Orleans:GatewayPort</c>.
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

        return client;
    }

    /// <summary>The <c>Orleans:*</c> keys with their defaults.</summary>
    public sealed record OrleansEndpoint(string ClusterId, string ServiceId, int SiloPort, int GatewayPort, IPAddress AdvertisedIPAddress)
    {
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

            return new OrleansEndpoint(
                section["ClusterId"] ?? "work-sessions",
                section["ServiceId"] ?? "work-sessions",
                section.GetValue("SiloPort", 11111),
                section.GetValue("GatewayPort", 30000),
                address);
        }
    }
}
