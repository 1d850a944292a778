using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
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

    [Fact]
    public async Task MembershipAndReminders_KeepWorking_WhileGrainStateWritesHoldEveryPooledConnection()
    {
        // A pool of three, and a short wait for a connection: what a storm of state writes does to a pool of 100.
        var settings = new Dictionary<string, string?>(Target.Settings);
        settings["Storage:ConnectionString"] = new NpgsqlConnectionStringBuilder(settings["Storage:ConnectionString"])
        {
            MaxPoolSize = 3,
            Timeout = 2,
        }.ConnectionString;
        var serviceId = TestIds.New("pools");
        await using var silo = await TestSilo.StartAsync(settings, serviceId, serviceId);
        var database = silo.Services.GetRequiredService<WorkSessionsDatabase>();
        var membership = silo.Services.GetRequiredService<IMembershipTable>();
        var reminders = silo.Services.GetRequiredService<IReminderTable>();
        var held = new List<System.Data.Common.DbConnection>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                held.Add(await database.DataSource.OpenConnectionAsync());
            }

            // The state pool is empty now: a state write would wait for a connection and fail after 2 s.
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => database.DataSource.OpenConnectionAsync().AsTask());

            var table = await membership.ReadAllAsync(CancellationToken.None);
            var (mine, _) = Assert.Single(table.Members, member => member.Item1.SiloAddress.Equals(silo.Address));
            mine.IAmAliveTime = DateTime.UtcNow;
            await membership.UpdateIAmAliveAsync(mine, CancellationToken.None);
            var grainId = GrainId.Create("table-probe", Guid.NewGuid().ToString("N"));
            var etag = await reminders.UpsertRow(Reminder(grainId, "pools", DateTime.UtcNow.AddDays(1), TimeSpan.FromHours(1)));
            Assert.Equal(etag, (await reminders.ReadRow(grainId, "pools"))?.ETag);
            Assert.Contains(grainId, (await reminders.ReadRows(0, 0)).Reminders.Select(entry => entry.GrainId));
            Assert.True(await reminders.RemoveRow(grainId, "pools", etag!));
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }

        await silo.StopAsync();
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
            TimeSpan.FromSeconds(60),
            $"{count} active silos",
            poll: TimeSpan.FromMilliseconds(100));
        return [.. hosts.Keys.Order()];
    }
}
