using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using WorkSessions.Hosting;
using WorkSessions.Storage;

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

try
{
    await builder.Build().RunAsync();
}
catch (StorageInUseException exception)
{
    Console.Error.WriteLine($"Cannot start: {exception.Message}");
    return 3;
}

return 0;
