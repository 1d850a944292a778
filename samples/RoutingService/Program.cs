using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WorkSessions;
using WorkSessions.Contracts;
using WorkSessions.Hosting;

// A routing engine's view of Work Sessions: it joins the cluster as an Orleans client, with the same Storage:* and Orleans:*
// settings as the silos, reads an agent's snapshot before offering work, and reports engagements (a call, a chat) so the
// agent shows occupied and is never prompted for inactivity while talking.
//
//   dotnet run --project samples/RoutingService -- --tenant acme --agent alice [snapshot | begin ID | end ID | demo] [--Section:Key=value…]
var (tenant, agent, command, engagement, settings) = Arguments.Parse(args);
if (tenant is null || agent is null)
{
    Console.Error.WriteLine("usage: RoutingService --tenant TENANT --agent AGENT [snapshot | begin ID | end ID | demo] [--Storage:ConnectionString=… --Orleans:ClusterId=…]");
    return 2;
}

// Its appsettings.json sits next to the program, wherever it is started from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = settings, ContentRootPath = AppContext.BaseDirectory });
builder.UseOrleansClient(client => client.UseWorkSessionsCluster(builder.Configuration));
using var host = builder.Build();
await host.StartAsync();

// The connection is made in the background, retried until a silo answers; a service waits for it before its first call.
using (var connecting = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
{
    await host.Services.GetRequiredService<ClusterConnection>().Connected.WaitAsync(connecting.Token);
}

var grains = host.Services.GetRequiredService<IGrainFactory>();
var agentGrain = grains.GetAgentGrain(tenant, agent);
try
{
    switch (command)
    {
        case "snapshot":
            Show("now", await agentGrain.GetSnapshot());
            break;
        case "begin":
            await agentGrain.BeginEngagement(engagement!);
            Show($"began {engagement}", await agentGrain.GetSnapshot());
            break;
        case "end":
            await agentGrain.EndEngagement(engagement!);
            Show($"ended {engagement}", await agentGrain.GetSnapshot());
            break;
        default:
            // Route one call to the agent: only an agent in a work session, ready, takes work.
            var before = await agentGrain.GetSnapshot();
            Show("before", before);
            if (before.State == SessionState.None || before.Status != AgentStatus.Ready)
            {
                Console.WriteLine("not routable: the agent has no open work session or is not ready");
                break;
            }

            var call = "call-" + Guid.NewGuid().ToString("N")[..8];
            await agentGrain.BeginEngagement(call);
            Show($"on {call}", await agentGrain.GetSnapshot());
            await agentGrain.EndEngagement(call);
            Show($"after {call}", await agentGrain.GetSnapshot());
            break;
    }
}
catch (WorkSessionException rejection)
{
    Console.Error.WriteLine($"{rejection.Code}: {rejection.Message}");
    return 1;
}
finally
{
    await host.StopAsync();
}

return 0;

static void Show(string label, AgentView view) =>
    Console.WriteLine($"{label}: {view.AgentId} state={view.State} status={view.Status} engagements=[{string.Join(",", view.Session?.OpenEngagements ?? [])}]");

/// <summary>The sample's own arguments, apart from configuration overrides, which go to the host.</summary>
internal static class Arguments
{
    public static (string? Tenant, string? Agent, string Command, string? Engagement, string[] Settings) Parse(string[] args)
    {
        string? tenant = null, agent = null, engagement = null;
        var command = "demo";
        var settings = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--tenant" when i + 1 < args.Length:
                    tenant = args[++i];
                    break;
                case "--agent" when i + 1 < args.Length:
                    agent = args[++i];
                    break;
                case "snapshot" or "demo":
                    command = args[i];
                    break;
                case "begin" or "end" when i + 1 < args.Length:
                    command = args[i];
                    engagement = args[++i];
                    break;
                default:
                    settings.Add(args[i]);
                    break;
            }
        }

        return (tenant, agent, command, engagement, [.. settings]);
    }
}
