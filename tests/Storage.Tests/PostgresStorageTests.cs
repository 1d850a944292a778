using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Runtime;
using WorkSessions.Contracts;
using WorkSessions.Storage.Tests.Infrastructure;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>The conformance suite on PostgreSQL, plus what only PostgreSQL does: clustering.</summary>
public sealed class PostgresStorageTests(PostgresTarget target) : StorageConformanceTests<PostgresTarget>(target)
{
    [Fact]
    public async Task TwoSilos_FormOneCluster_ThatAPureClientFindsThroughTheDatabase()
    {
        var clusterId = TestIds.New("cluster");
        var first = await Target.StartSiloAsync(clusterId);
        var second = await Target.StartSiloAsync(clusterId);
        using var clientHost = await StartClientAsync(clusterId);
        var client = clientHost.Services.GetRequiredService<IClusterClient>();

        var hosts = await WaitForActiveHostsAsync(client, count: 2);
        Assert.Equal(new[] { first.Address, second.Address }.Order(), hosts.Order());
        Assert.Equal(2, await CountAsync($"SELECT count(*) FROM orleans_membership WHERE deployment_id = '{clusterId}' AND status = 3"));

        // The product's grains work through the client, wherever the cluster places them.
        var tenantId = TestIds.NewTenantId();
        await client.GetTenantGrain(tenantId).UpdatePreferences(new WorkSessionPreferences(true, false, 1800, 180), null, "admin-1");
        var views = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            client.GetAgentGrain(tenantId, $"agent-{i}").StartSession(AgentStatus.Ready, null)));
        Assert.All(views, view => Assert.True(view.Created));

        await second.StopAsync();
        Assert.Equal(1, await CountAsync($"SELECT count(*) FROM orleans_membership WHERE deployment_id = '{clusterId}' AND status = 3"));
        Assert.Equal([first.Address], await WaitForActiveHostsAsync(client, count: 1));
    }

    private async Task<IHost> StartClientAsync(string clusterId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Target.Settings);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = clusterId;
                cluster.ServiceId = clusterId;
            });
            client.AddWorkSessionsStorage(builder.Configuration);
        });
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return host;
    }

    /// <summary>Membership news travels by gossip; ask until the cluster agrees or the wait is over.</summary>
    private static async Task<SiloAddress[]> WaitForActiveHostsAsync(IClusterClient client, int count)
    {
        var management = client.GetGrain<IManagementGrain>(0);
        var hosts = await Eventually.UntilAsync(
            () => management.GetHosts(onlyActive: true),
            active => active.Count == count,
            TimeSpan.FromSeconds(20),
            $"{count} active silos",
            poll: TimeSpan.FromMilliseconds(100));
        return [.. hosts.Keys.Order()];
    }
}
