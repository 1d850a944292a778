using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Reminders;
using Orleans.Reminders.Diagnostics;
using Orleans.Storage;
using Orleans.TestingHost;
using WorkSessions.Contracts;
using WorkSessions.Hosting;
using WorkSessions.Reporting;
using WorkSessions.Storage;
using WorkSessions.TestSupport;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// One in-process silo per test collection with fake time for grain timers, injected clocks and reminders;
/// membership and messaging keep real time. Grain state lives in memory (<see cref="CountingGrainStorage"/>); the report
/// tables in a SQLite file of the fixture's own. Tests use a fresh tenant each, so they never share grains.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Epoch = new(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; } = new(Epoch);

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    /// <summary>What the silo's webhook deliverers post to, instead of HTTP.</summary>
    internal FakeWebhookSender WebhookSender { get; } = new();

    private readonly string _reportsFile = Path.Combine(Path.GetTempPath(), $"work-sessions-grain-tests-{Guid.NewGuid():N}.db");

    private readonly string _wakesFile = Path.Combine(Path.GetTempPath(), $"work-sessions-grain-tests-wakes-{Guid.NewGuid():N}.db");

    /// <summary>The database holding the wake shards' members.</summary>
    public WorkSessionsDatabase Wakes { get; private set; } = null!;

    /// <summary>The database holding the report tables.</summary>
    public WorkSessionsDatabase Reports { get; private set; } = null!;

    internal ReportStore ReportStore { get; private set; } = null!;

    /// <summary>The wake shards' members, in the same file as the report tables.</summary>
    internal WakeStore WakeStore { get; private set; } = null!;

    private long _siloBacklog;

    /// <summary>The work the silo's <see cref="DeadlineWritePacer"/> sees queued: above two it holds deadlines' writes.</summary>
    public long SiloBacklog
    {
        get => Interlocked.Read(ref _siloBacklog);
        set => Interlocked.Exchange(ref _siloBacklog, value);
    }

    internal DeadlineWritePacer Pacer => Cluster.GetSiloServiceProvider().GetRequiredService<DeadlineWritePacer>();

    public CountingGrainStorage Storage => Cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(StorageNames.WorkSessions) as CountingGrainStorage
        ?? throw new InvalidOperationException("The counting storage is not registered.");

    public async Task InitializeAsync()
    {
        Reports = WorkSessionsDatabase.Open(new StorageOptions { ConnectionString = $"Data Source={_reportsFile}" });
        await Reports.MigrateAsync(NullLogger.Instance);
        ReportStore = new ReportStore(Reports);
        // The wake shards' members live with the grain state, never in the report database: a file of their own here.
        Wakes = WorkSessionsDatabase.Open(new StorageOptions { ConnectionString = $"Data Source={_wakesFile}" });
        await Wakes.MigrateAsync(NullLogger.Instance);
        WakeStore = new WakeStore(Wakes, "grains-tests");

        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddWorkSessions();
            silo.Services.PostConfigure<WorkSessionsOptions>(options =>
            {
                options.MinimumInactivityTimeoutSeconds = 1;
                options.MinimumGracePeriodSeconds = 1;
            });
            silo.Services.AddKeyedSingleton<IGrainStorage>(
                StorageNames.WorkSessions,
                (services, _) => new CountingGrainStorage(services.GetRequiredService<IGrainStorageSerializer>()));
            silo.Services.AddSingleton<IReportStore>(ReportStore);
            silo.Services.AddSingleton<IWakeStore>(WakeStore);
            silo.Services.AddSingleton<Webhooks.IWebhookSender>(WebhookSender);
            silo.Services.PostConfigure<ReportingOptions>(options =>
            {
                // Outage tests wait for delivery to come back: keep the backoff short.
                options.FirstRetryDelay = TimeSpan.FromMilliseconds(20);
                options.MaxRetryDelay = TimeSpan.FromMilliseconds(200);
            });
            silo.UseInMemoryReminderService();
            silo.Services.Configure<ReminderOptions>(options => options.ReminderLoadingWindow = TimeSpan.FromDays(1));

            silo.Services.AddSingleton(Time);
            silo.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time));
            silo.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
            silo.Services.AddKeyedSingleton<TimeProvider>(ReminderTimeProviderNames.Reminders, Time);

            // Deadline writes wait only while a test says the silo is busy: the real pool's queue would make them wait at
            // random in a test process that runs many silos.
            silo.Services.Replace(ServiceDescriptor.Singleton(_ => new DeadlineWritePacer(TimeSpan.FromMinutes(2), () => Interlocked.Read(ref _siloBacklog))));
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Reports.DisposeAsync();
        await Wakes.DisposeAsync();
        foreach (var file in new[] { _reportsFile, _wakesFile }.SelectMany(file => new[] { file, file + "-wal", file + "-shm", file + ".migrations.lock" }))
        {
            File.Delete(file);
        }
    }

    /// <summary>Advances the fake clock; a stuck advance fails the test instead of hanging it.</summary>
    public Task AdvanceAsync(TimeSpan duration) => Task.Run(() => Time.Advance(duration)).WaitAsync(TimeSpan.FromSeconds(30));

    /// <summary>A tenant no other test uses, with the given preferences already applied.</summary>
    public async Task<string> NewTenantAsync(WorkSessionPreferences? preferences = null)
    {
        var tenantId = "t-" + Guid.NewGuid().ToString("N")[..12];
        if (preferences is not null)
        {
            // Waiting for the push too: tests that overwrite the tenant's row must not race its write.
            await UpdateAndPushAsync(tenantId, preferences);
        }

        return tenantId;
    }

    public IAgentGrain Agent(string tenantId, string agentId) => Grains.GetAgentGrain(tenantId, agentId);

    /// <summary>
    /// Changes the tenant's preferences and waits until their push has reached every open session: the change answers
    /// first, and the push runs after it (docs/architecture.md#tenant-grain).
    /// </summary>
    public async Task<TenantPreferences> UpdateAndPushAsync(string tenantId, WorkSessionPreferences preferences, string updatedBy = "admin-1")
    {
        var tenant = Grains.GetTenantGrain(tenantId);
        var updated = await tenant.UpdatePreferences(preferences, null, updatedBy);
        await Eventually.UntilAsync(
            () => Task.FromResult(Storage.Read<TenantGrainState>(StateNames.Tenant, tenant.GetGrainId())?.PushedVersion),
            pushed => pushed >= updated.Version,
            TimeSpan.FromSeconds(10),
            $"the push of version {updated.Version} to complete",
            poll: TimeSpan.FromMilliseconds(10));
        return updated;
    }

    /// <summary>Deactivates a grain and waits until its activation is gone.</summary>
    public async Task DeactivateAsync(IAddressable grain)
    {
        await Cluster.DeactivateAsync(grain);
        await Eventually.UntilAsync(
            () => !Cluster.TryGetGrainContext(grain.GetGrainId(), out _),
            TimeSpan.FromSeconds(10),
            $"{grain.GetGrainId()} to be deactivated",
            TimeSpan.FromMilliseconds(10));
    }

    /// <summary>Completes when the local reminder service has armed the wait for the grain's next tick.</summary>
    public static Task WaitForReminderArmedAsync(GrainId grainId) => WaitForReminderEventAsync<ReminderEvents.LocalReminderTickWaitArmed>(grainId);

    /// <summary>Completes when a reminder tick of the grain has completed.</summary>
    public static Task WaitForReminderTickAsync(GrainId grainId) => WaitForReminderEventAsync<ReminderEvents.TickCompleted>(grainId);

    private static Task WaitForReminderEventAsync<TEvent>(GrainId grainId) where TEvent : ReminderEvents.ReminderEvent
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = ReminderEvents.AllEvents.Subscribe(new Observer(e =>
        {
            if (e is TEvent && e.GrainId == grainId)
            {
                seen.TrySetResult();
            }
        }));
        return seen.Task.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(
            task =>
            {
                subscription.Dispose();
                return task;
            },
            TaskScheduler.Default).Unwrap();
    }

    private sealed class Observer(Action<ReminderEvents.ReminderEvent> onNext) : IObserver<ReminderEvents.ReminderEvent>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(ReminderEvents.ReminderEvent value) => onNext(value);
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>
/// Reporting tests move the clock to chosen times of day (hours at a time): their own cluster and clock, so the jumps
/// never reach another test's timers and reminders.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ReportingClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "reporting-cluster";
}

/// <summary>Webhook tests move the clock by a day at a time: their own cluster and clock.</summary>
[CollectionDefinition(Name)]
public sealed class WebhookClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "webhook-cluster";
}
