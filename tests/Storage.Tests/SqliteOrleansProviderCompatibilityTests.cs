using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Storage;
using WorkSessions.Domain;
using WorkSessions.Storage.Tests.Infrastructure;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// Files written before SQLite had its own grain storage and reminder table keep working: rows written by the Orleans
/// ADO.NET providers (configured as the product configured them: invariant System.Data.SQLite, the schema's stored
/// queries, the silo's System.Text.Json storage serializer) read with <see cref="SqliteGrainStorage"/> and
/// <see cref="SqliteReminderTable"/>, and the other way round, with the same bytes in every column.
/// </summary>
public sealed partial class SqliteStorageTests
{
    [Fact]
    public async Task GrainState_WrittenByOrleansAdoNetProvider_ReadsAndWritesWithTheSqliteStorage_AndBack()
    {
        var serviceId = TestIds.New("compat-state");
        var ours = (await Target.StartSiloAsync(serviceId)).GrainStorage;
        await using var adoNet = await AdoNetSilo.StartAsync(Target.Settings, serviceId);
        var theirs = adoNet.GrainStorage;

        // Every shape of key Orleans' provider maps to columns: a string key, a Guid key, an integer key with an extension.
        GrainId[] grainIds =
        [
            AgentGrainId(),
            GrainId.Create(GrainType.Create("agent"), GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid())),
            GrainId.Create(GrainType.Create("agent"), GrainIdKeyExtensions.CreateIntegerKey(Random.Shared.NextInt64(1, long.MaxValue), "ext")),
        ];
        foreach (var grainId in grainIds)
        {
            var written = new GrainState<AgentGrainState>(SampleState());
            await theirs.WriteStateAsync(StateNames.Agent, grainId, written);

            var read = new GrainState<AgentGrainState>();
            await ours.ReadStateAsync(StateNames.Agent, grainId, read);
            Assert.Equal((true, written.ETag, Json(written.State)), (read.RecordExists, read.ETag, Json(read.State)));

            read.State!.Agent.Session!.PromptCount = 9;
            await ours.WriteStateAsync(StateNames.Agent, grainId, read);
            var readBack = new GrainState<AgentGrainState>();
            await theirs.ReadStateAsync(StateNames.Agent, grainId, readBack);
            Assert.Equal((true, read.ETag, 9), (readBack.RecordExists, readBack.ETag, readBack.State!.Agent.Session!.PromptCount));

            // Each now holds a stale etag for the other's write.
            await Assert.ThrowsAsync<InconsistentStateException>(() => theirs.WriteStateAsync(StateNames.Agent, grainId, written));
            await theirs.ClearStateAsync(StateNames.Agent, grainId, readBack);
            await Assert.ThrowsAsync<InconsistentStateException>(() => ours.WriteStateAsync(StateNames.Agent, grainId, read));
            var cleared = new GrainState<AgentGrainState>();
            await ours.ReadStateAsync(StateNames.Agent, grainId, cleared);
            Assert.Equal((false, readBack.ETag), (cleared.RecordExists, cleared.ETag));
        }

        // The same state under the same kind of key: the same row, byte for byte, whoever wrote it.
        var (byThem, byUs) = (AgentGrainId(), AgentGrainId());
        var state = SampleState();
        await theirs.WriteStateAsync(StateNames.Agent, byThem, new GrainState<AgentGrainState>(state));
        await ours.WriteStateAsync(StateNames.Agent, byUs, new GrainState<AgentGrainState>(state));
        Assert.Equal(await StateRowAsync(serviceId, byThem), await StateRowAsync(serviceId, byUs));
    }

    [Fact]
    public async Task Reminders_WrittenByOrleansAdoNetTable_ReadAndChangeWithTheSqliteTable_AndBack()
    {
        var serviceId = TestIds.New("compat-reminders");
        var ours = (await Target.StartSiloAsync(serviceId)).Services.GetRequiredService<IReminderTable>();
        await using var adoNet = await AdoNetSilo.StartAsync(Target.Settings, serviceId);
        var theirs = adoNet.Services.GetRequiredService<IReminderTable>();
        var (grainId, other) = (GrainId.Create("table-probe", Guid.NewGuid().ToString("N")), GrainId.Create("table-probe", Guid.NewGuid().ToString("N")));
        var startAt = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234567);

        var theirETag = await theirs.UpsertRow(Reminder(grainId, "wake-up", startAt, TimeSpan.FromMinutes(90)));
        var read = await ours.ReadRow(grainId, "wake-up");
        Assert.NotNull(read);
        Assert.Equal((startAt, TimeSpan.FromMinutes(90), theirETag), (read.StartAt, read.Period, read.ETag));
        var hash = grainId.GetUniformHashCode();
        Assert.Contains((await ours.ReadRows(hash - 1, hash)).Reminders, entry => entry.GrainId == grainId);

        var ourETag = await ours.UpsertRow(Reminder(grainId, "wake-up", startAt.AddMinutes(1), TimeSpan.FromMinutes(30)));
        var readBack = await theirs.ReadRow(grainId, "wake-up");
        Assert.Equal((startAt.AddMinutes(1), TimeSpan.FromMinutes(30), ourETag), (readBack!.StartAt, readBack.Period, readBack.ETag));
        Assert.False(await theirs.RemoveRow(grainId, "wake-up", theirETag!));
        Assert.False(await ours.RemoveRow(grainId, "wake-up", theirETag!));
        Assert.True(await theirs.RemoveRow(grainId, "wake-up", ourETag!));

        // The same reminder, whoever wrote it: the same columns, byte for byte (start time as text, hash, period, version).
        await theirs.UpsertRow(Reminder(grainId, "same", startAt, TimeSpan.FromHours(2)));
        await ours.UpsertRow(Reminder(other, "same", startAt, TimeSpan.FromHours(2)));
        Assert.Equal(await ReminderRowAsync(serviceId, grainId), await ReminderRowAsync(serviceId, other));
        Assert.Equal((int)grainId.GetUniformHashCode(), Convert.ToInt32(await Target.ScalarAsync($"SELECT grain_hash FROM orleans_reminders WHERE grain_id = '{grainId}'"), CultureInfo.InvariantCulture));
        Assert.Equal((int)other.GetUniformHashCode(), Convert.ToInt32(await Target.ScalarAsync($"SELECT grain_hash FROM orleans_reminders WHERE grain_id = '{other}'"), CultureInfo.InvariantCulture));
    }

    private async Task<string> StateRowAsync(string serviceId, GrainId grainId) => Convert.ToString(await Target.ScalarAsync(
        $"SELECT typeof(payload) || '|' || hex(payload) || '|' || version || '|' || grain_id_n0 || '|' || grain_id_n1 FROM orleans_grain_state "
        + $"WHERE service_id = '{serviceId}' AND grain_id_extension = '{grainId.Key}'"), CultureInfo.InvariantCulture)!;

    private async Task<string> ReminderRowAsync(string serviceId, GrainId grainId) => Convert.ToString(await Target.ScalarAsync(
        "SELECT typeof(start_time) || '|' || start_time || '|' || typeof(period) || '|' || period || '|' || typeof(grain_hash) || '|' || version "
        + $"FROM orleans_reminders WHERE service_id = '{serviceId}' AND grain_id = '{grainId}'"), CultureInfo.InvariantCulture)!;

    /// <summary>A silo with the Orleans ADO.NET grain storage and reminder table on the same file, as the product had them.</summary>
    private sealed class AdoNetSilo(IHost host, SqliteDataSource dataSource) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public IGrainStorage GrainStorage => host.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.WorkSessions);

        public static async Task<AdoNetSilo> StartAsync(IReadOnlyDictionary<string, string?> settings, string serviceId)
        {
            using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
            var dataSource = new SqliteDataSource(database.ConnectionString);
            var ports = LoopbackPorts.Take(2);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(ports[0], ports[1], serviceId: serviceId, clusterId: serviceId + "-adonet");
                silo.AddAdoNetGrainStorage(StorageNames.WorkSessions, options =>
                {
                    options.Invariant = WorkSessionsDatabase.SqliteInvariant;
                    options.DataSource = dataSource;
                });
                silo.UseAdoNetReminderService(options =>
                {
                    options.Invariant = WorkSessionsDatabase.SqliteInvariant;
                    options.DataSource = dataSource;
                });
                silo.UseSystemTextJsonGrainStorageSerializer();
            });
            var host = builder.Build();
            await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(60));
            return new AdoNetSilo(host, dataSource);
        }

        public async ValueTask DisposeAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StopAsync(timeout.Token);
            host.Dispose();
            await dataSource.DisposeAsync();
        }
    }
}
