using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using WorkSessions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
var orleans = builder.Configuration.GetSection("Orleans");
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(
        siloPort: orleans.GetValue("SiloPort", 11111),
        gatewayPort: orleans.GetValue("GatewayPort", 30000),
        serviceId: orleans["ServiceId"] ?? "work-sessions",
        clusterId: orleans["ClusterId"] ?? "work-sessions");
    silo.AddWorkSessions();
    silo.AddWorkSessionsInMemoryStorage();
});

await builder.Build().RunAsync();
