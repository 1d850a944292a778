using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WorkSessions.Storage;

namespace WorkSessions.Hosting;

/// <summary>
/// <c>migrate</c> as the first argument of the Silo or the Gateway: apply pending schema migrations (to the report
/// database too, when <c>Reporting:ConnectionString</c> names one) and exit,
/// for operators who migrate as a step of their own. Exit codes: 0 done, 1 failed, 2 configuration error.
/// </summary>
public static class MigrateCommand
{
    public const string Name = "migrate";

    public static bool IsRequested(string[] args) => args.Length > 0 && string.Equals(args[0], Name, StringComparison.OrdinalIgnoreCase);

    /// <param name="args">The arguments after <c>migrate</c>: configuration overrides such as <c>--Storage:Provider=postgres</c>.</param>
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        StorageOptions storage;
        StorageOptions? reports;
        try
        {
            storage = StorageOptions.FromConfiguration(builder.Configuration);
            reports = ReportDatabase.SeparateOptions(builder.Configuration, storage);
        }
        catch (OptionsValidationException exception)
        {
            Console.Error.WriteLine($"Configuration error: {exception.Message}");
            return 2;
        }

        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(WorkSessionsStorageExtensions.MigrationsLogCategory);
        try
        {
            await WorkSessionsDatabase.MigrateAsync(storage, logger);
            if (reports is not null)
            {
                await WorkSessionsDatabase.MigrateAsync(reports, logger);
            }

            return 0;
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Migrating the {Provider} database failed", storage.Kind);
            return 1;
        }
    }
}
