using System.Net;
using Microsoft.Extensions.Configuration;

namespace WorkSessions.Hosting;

/// <summary>
/// How silos and clients find the cluster and its storage, from configuration (DESIGN §6). One place for the
/// Silo host, the Gateway's in-process silo and the Gateway's client mode.
/// </summary>
public static class WorkSessionsClusterExtensions
{
    /// <summary>A silo of the product: clustering, storage, reminders and the grains' registration.</summary>
    public static ISiloBuilder UseWorkSessionsCluster(this ISiloBuilder silo, IConfiguration configuration)
    {
        var orleans = OrleansEndpoint.From(configuration);
        silo.UseLocalhostClustering(orleans.SiloPort, orleans.GatewayPort, serviceId: orleans.ServiceId, clusterId: orleans.ClusterId);
        silo.AddWorkSessions();
        silo.AddWorkSessionsInMemoryStorage();
        return silo;
    }

    /// <summary>A pure client of a separate cluster.</summary>
    public static IClientBuilder UseWorkSessionsCluster(this IClientBuilder client, IConfiguration configuration)
    {
        var orleans = OrleansEndpoint.From(configuration);
        client.UseLocalhostClustering(orleans.GatewayPort, serviceId: orleans.ServiceId, clusterId: orleans.ClusterId);
        return client;
    }

    /// <summary>The <c>Orleans:*</c> keys with their defaults.</summary>
    public sealed record OrleansEndpoint(string ClusterId, string ServiceId, int SiloPort, int GatewayPort, IPAddress AdvertisedIPAddress)
    {
        public static OrleansEndpoint From(IConfiguration configuration)
        {
            var section = configuration.GetSection("Orleans");
            var advertised = section["AdvertisedIPAddress"];
            return new OrleansEndpoint(
                section["ClusterId"] ?? "work-sessions",
                section["ServiceId"] ?? "work-sessions",
                section.GetValue("SiloPort", 11111),
                section.GetValue("GatewayPort", 30000),
                advertised is null ? IPAddress.Loopback : IPAddress.Parse(advertised));
        }
    }
}
