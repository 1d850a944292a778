using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;

namespace WorkSessions.Storage;

/// <summary>Durable storage for the product (docs/architecture.md#storage), chosen by the <c>Storage</c> configuration section.</summary>
public static class WorkSessionsStorageExtensions
{
    /// <summary>The log category of schema migrations.</summary>
    public const string MigrationsLogCategory = "WorkSessions.Storage.Migrations";

    /// <summary>
    /// Grain state (provider <see cref="StorageNames.WorkSessions"/>) and reminders: on SQLite through
    /// <see cref="SqliteGrainStorage"/> and <see cref="SqliteReminderTable"/> on the file's writer thread (the caller keeps
    /// localhost clustering); on PostgreSQL through the Orleans ADO.NET providers, cluster membership included. Pending schema migrations are applied at the very start of the silo, before any
    /// provider reads its queries. On SQLite the silo first takes an exclusive lock on
    /// <c>&lt;database&gt;.&lt;service id&gt;.lock</c>, held until it stops, and refuses to start when another silo
    /// of the same service holds it: with localhost clustering the two would each own every grain and reminder.
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <param name="configuration">The configuration holding the <c>Storage</c> section.</param>
    /// <returns>The silo builder.</returns>
    /// <exception cref="OptionsValidationException">When the <c>Storage</c> section is unusable.</exception>
    public static ISiloBuilder AddWorkSessionsStorage(this ISiloBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = AddDatabase(builder.Services, configuration);
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, PrepareDatabaseOnSiloStart>();

        // The report tables live in the same database unless Reporting:ConnectionString names one of their own
        // (docs/architecture.md#reporting). Checked now, so a bad one stops the silo before it starts.
        var separateReports = ReportDatabase.SeparateOptions(configuration, options);
        builder.Services.TryAddSingleton(services => ReportDatabase.Create(services.GetRequiredService<WorkSessionsDatabase>(), separateReports));
        builder.Services.TryAddSingleton(services => new ReportStore(services.GetRequiredService<ReportDatabase>().Database));
        builder.Services.TryAddSingleton<IReportStore>(services => services.GetRequiredService<ReportStore>());

        // The wake shards' members live with the grain state, never in a separate report database.
        builder.Services.TryAddSingleton<IWakeStore>(services => new WakeStore(
            services.GetRequiredService<WorkSessionsDatabase>(), services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));

        if (options.Kind == StorageProvider.Sqlite)
        {
            // Written on the file's one writer thread, batched (docs/architecture.md#sqlites-writer).
            builder.Services.AddGrainStorage(StorageNames.WorkSessions, SqliteGrainStorage.Create);
            builder.AddReminders();
            builder.Services.AddSingleton<IReminderTable, SqliteReminderTable>();
            return builder;
        }

        builder.AddAdoNetGrainStorage(
            StorageNames.WorkSessions,
            storage => storage.Configure<WorkSessionsDatabase>((o, database) =>
            {
                o.Invariant = database.Invariant;
                o.DataSource = database.DataSource;
            }));
        // Membership and reminders on a pool of their own, so a storm of state writes cannot starve them.
        builder.UseAdoNetReminderService(reminders => reminders.Configure<WorkSessionsDatabase>((o, database) =>
        {
            o.Invariant = database.Invariant;
            o.DataSource = database.ClusterDataSource;
        }));
        builder.UseAdoNetClustering(clustering => clustering.Configure<WorkSessionsDatabase>((o, database) =>
        {
            o.Invariant = database.Invariant;
            o.DataSource = database.ClusterDataSource;
        }));
        return builder;
    }

    /// <summary>
    /// For a pure Orleans client of a PostgreSQL cluster (the Gateway's client mode): finds the silos' gateways
    /// through the membership table. <c>ClusterConnection</c> (src/Client) applies pending schema migrations before it
    /// connects: the membership provider reads its queries from the schema as the client starts.
    /// </summary>
    /// <param name="builder">The client.</param>
    /// <param name="configuration">The configuration holding the <c>Storage</c> section.</param>
    /// <returns>The client builder.</returns>
    /// <exception cref="OptionsValidationException">When the <c>Storage</c> section is unusable or not PostgreSQL.</exception>
    public static IClientBuilder AddWorkSessionsStorage(this IClientBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = AddDatabase(builder.Services, configuration);
        if (options.Kind != StorageProvider.Postgres)
        {
            throw new OptionsValidationException(
                Options.DefaultName,
                typeof(StorageOptions),
                ["An Orleans client finds its cluster in PostgreSQL: set Storage:Provider to 'postgres' and Storage:ConnectionString. "
                    + "With SQLite there is no cluster to join; host the silo in the same process instead."]);
        }

        builder.UseAdoNetClustering(clustering => clustering.Configure<WorkSessionsDatabase>((o, database) =>
        {
            o.Invariant = database.Invariant;
            o.DataSource = database.ClusterDataSource;
        }));
        return builder;
    }

    private static StorageOptions AddDatabase(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        // Validated now as well as on start: which providers to register depends on it.
        var options = StorageOptions.FromConfiguration(configuration);
        services.AddOptions<StorageOptions>()
            .Bind(configuration.GetSection(StorageOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());

        // Disposed by the container when the host stops, after Orleans has stopped using it.
        services.TryAddSingleton(provider => WorkSessionsDatabase.Open(provider.GetRequiredService<IOptions<StorageOptions>>().Value));
        return options;
    }

    /// <summary>
    /// The silo's first step and its last: on SQLite, take the one-silo-per-service lock before anything touches
    /// the file (see <see cref="SqliteServiceLock"/>), then migrate; release the lock when the silo has stopped.
    /// </summary>
    private sealed class PrepareDatabaseOnSiloStart(
        WorkSessionsDatabase database,
        ReportDatabase reports,
        IOptions<ClusterOptions> cluster,
        ILoggerFactory loggerFactory) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
    {
        private SqliteServiceLock? _lock;

        public void Participate(ISiloLifecycle lifecycle) =>
            lifecycle.Subscribe(nameof(PrepareDatabaseOnSiloStart), ServiceLifecycleStage.First, StartAsync, StopAsync);

        /// <summary>A failed start-up may never reach the stop; the container disposes this either way.</summary>
        public void Dispose() => Release();

        private async Task StartAsync(CancellationToken cancellationToken)
        {
            if (database.SqliteFile is { } file)
            {
                _lock ??= SqliteServiceLock.Acquire(file, cluster.Value.ServiceId);
            }

            try
            {
                await database.MigrateAsync(loggerFactory.CreateLogger(MigrationsLogCategory), cancellationToken);
                reports.StartMigrating(loggerFactory.CreateLogger(MigrationsLogCategory));
            }
            catch
            {
                Release();
                throw;
            }
        }

        private Task StopAsync(CancellationToken cancellationToken)
        {
            Release();
            return Task.CompletedTask;
        }

        private void Release()
        {
            _lock?.Dispose();
            _lock = null;
        }
    }
}
