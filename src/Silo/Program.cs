using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using WorkSessions.Hosting;

if (MigrateCommand.IsRequested(args))
{
    return await MigrateCommand.RunAsync(args[1..]);
}

var builder = Host.CreateApplicationBuilder(args);
try
{
    builder.UseOrleans(silo => silo.UseWorkSessionsCluster(builder.Configuration));
}
catch (OptionsValidationException exception)
{
    Console.Error.WriteLine($"Configuration error: {exception.Message}");
    return 2;
}

await builder.Build().RunAsync();
return 0;
