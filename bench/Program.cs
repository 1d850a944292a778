using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WorkSessions;
using WorkSessions.Contracts;
using WorkSessions.Hosting;

// Measures the hot paths on one in-process silo with the product's default storage (SQLite in a temp folder):
// heartbeat calls per second from 64 concurrent callers, session starts per second (each writes the agent's
// state and registers its wake-up reminder), and the managed memory one agent with an open session costs. Usage: dotnet run -c Release --project bench [agents] [seconds]
var agents = args.Length > 0 ? int.Parse(args[0]) : 10_000;
var seconds = args.Length > 1 ? int.Parse(args[1]) : 10;
const int Callers = 64;

var dataDirectory = Directory.CreateTempSubdirectory("work-sessions-bench-");
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Storage:Provider"] = "sqlite",
    ["Storage:ConnectionString"] = $"Data Source={Path.Combine(dataDirectory.FullName, "bench.db")}",
    ["Orleans:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
    ["Orleans:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
});
builder.UseOrleans(silo => silo.UseWorkSessionsCluster(builder.Configuration));
using var host = builder.Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IGrainFactory>();

const string Tenant = "bench";
await grains.GetTenantGrain(Tenant).UpdatePreferences(new WorkSessionPreferences(true, true, 1800, 180), null, "bench");

var memoryBefore = ManagedMemory();
var startWatch = Stopwatch.StartNew();
await Parallel.ForEachAsync(Enumerable.Range(0, agents), new ParallelOptions { MaxDegreeOfParallelism = Callers },
    async (i, _) => await Agent(i).StartSession(AgentStatus.Ready, null));
startWatch.Stop();
var memoryPerAgent = (ManagedMemory() - memoryBefore) / agents;

var heartbeats = 0L;
var deadline = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
{
    var random = new Random(caller);
    while (deadline.Elapsed < TimeSpan.FromSeconds(seconds))
    {
        await Agent(random.Next(agents)).RecordActivity();
        Interlocked.Increment(ref heartbeats);
    }
})));

Console.WriteLine($"agents with open sessions: {agents:N0}");
Console.WriteLine($"session starts: {agents / startWatch.Elapsed.TotalSeconds:N0}/s ({startWatch.Elapsed.TotalSeconds:N1} s)");
Console.WriteLine($"heartbeats: {heartbeats / deadline.Elapsed.TotalSeconds:N0}/s over {deadline.Elapsed.TotalSeconds:N1} s, {Callers} concurrent callers");
Console.WriteLine($"managed memory per agent with an open session: {memoryPerAgent / 1024.0:N1} KiB");
await host.StopAsync();
dataDirectory.Delete(recursive: true);
return 0;

IAgentGrain Agent(int i) => grains.GetAgentGrain(Tenant, $"agent-{i}");

static long ManagedMemory()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    return GC.GetTotalMemory(forceFullCollection: true);
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
