using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;
using WorkSessions.Contracts;
using WorkSessions.Domain;
using WorkSessions.Storage.Tests.Infrastructure;
using WorkSessions.TestSupport;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// What every storage back-end must do, run once per database engine by a subclass. Each test class has a
/// database of its own; tests within it use keys (and service ids, where they start silos) of their own.
/// </summary>
public abstract class StorageConformanceTests<TTarget>(TTarget target) : IClassFixture<TTarget>
    where TTarget : StorageTarget
{
    private static readonly string[] PersistenceKeys = ["ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey"];

    private static readonly string[] ReminderKeys =
    [
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    protected static readonly string[] MembershipKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey", "MembershipReadRowKey",
        "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey", "CleanupDefunctSiloEntriesKey",
    ];

    protected TTarget Target => target;

    [Fact]
    public async Task Migrations_StartedByManyProcessesAtOnce_ApplyEveryScriptOnce()
    {
        var settings = await target.CreateDatabaseAsync();

        // Six threads released together; enough pool threads that their migrations really overlap
        // (without the lock this fails with "table already exists").
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), completionPorts);
        using var gate = new ManualResetEventSlim();
        var runs = Enumerable.Range(0, 6)
            .Select(_ => Task.Factory.StartNew(
                () =>
                {
                    gate.Wait();
                    StorageTarget.MigrateAsync(settings).GetAwaiter().GetResult();
                },
                TaskCreationOptions.LongRunning))
            .ToArray();
        gate.Set();
        await Task.WhenAll(runs);
        await StorageTarget.MigrateAsync(settings);

        var scripts = StorageMigrator.ScriptNames(target.Provider);
        Assert.NotEmpty(scripts);
        Assert.Equal(scripts.Count, await CountAsync("SELECT count(*) FROM SchemaVersions", settings));
        Assert.Equal(scripts.Count, await CountAsync("SELECT count(DISTINCT ScriptName) FROM SchemaVersions", settings));

        string[] required = target.Provider == StorageProvider.Postgres
            ? [.. PersistenceKeys, .. ReminderKeys, .. MembershipKeys]
            : [.. PersistenceKeys, .. ReminderKeys];
        var keyList = string.Join(", ", required.Select(key => $"'{key}'"));
        Assert.Equal(required.Length, await CountAsync($"SELECT count(*) FROM OrleansQuery WHERE QueryKey IN ({keyList})", settings));
    }

    [Fact]
    public async Task AgentState_RoundTripsThroughGrainStorage()
    {
        var silo = await target.SharedSiloAsync();
        var grainId = AgentGrainId();
        var written = new GrainState<AgentGrainState>(SampleState());

        await silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, written);
        var read = new GrainState<AgentGrainState>();
        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, grainId, read);

        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(Json(written.State), Json(read.State));

        // Stored as the silo's System.Text.Json serializer writes it, so an operator can read a row.
        var payload = Assert.IsType<byte[]>(await target.ScalarAsync(
            $"SELECT payload FROM orleans_grain_state WHERE grain_type = 'agent' AND grain_id_extension = '{grainId.Key}'"));
        using var stored = JsonDocument.Parse(payload);
        Assert.Equal(written.State!.Agent.Session!.SessionId, stored.RootElement.GetProperty("Session").GetProperty("Session").GetProperty("SessionId").GetGuid());
    }

    [Fact]
    public async Task NeverWrittenGrain_ReadsAsNewState()
    {
        var silo = await target.SharedSiloAsync();
        var read = new GrainState<AgentGrainState>();

        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, AgentGrainId(), read);

        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Null(read.State!.Agent.Session);
    }

    [Fact]
    public async Task StaleWrite_IsRejected_AndTheStoredStateIsKept()
    {
        var silo = await target.SharedSiloAsync();
        var grainId = AgentGrainId();
        await silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, new GrainState<AgentGrainState>(SampleState()));
        var stale = new GrainState<AgentGrainState>();
        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, grainId, stale);
        var current = new GrainState<AgentGrainState>();
        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, grainId, current);

        current.State!.Agent.Status = AgentStatus.Ready;
        await silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, current);
        stale.State!.Agent.Status = AgentStatus.NotReady;
        stale.State!.Agent.StatusReason = "lunch";
        var staleETag = stale.ETag;

        await Assert.ThrowsAsync<InconsistentStateException>(() => silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, stale));
        var stored = new GrainState<AgentGrainState>();
        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, grainId, stored);

        Assert.Equal(staleETag, stale.ETag);
        Assert.NotEqual(staleETag, current.ETag);
        Assert.Equal(current.ETag, stored.ETag);
        Assert.Equal(Json(current.State), Json(stored.State));
    }

    [Fact]
    public async Task FirstWritesOfTwoActivations_OnlyOneWins()
    {
        var silo = await target.SharedSiloAsync();
        var grainId = AgentGrainId();
        var first = new GrainState<AgentGrainState>(SampleState());
        var second = new GrainState<AgentGrainState>(new AgentGrainState());

        await silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, second));
        var stored = new GrainState<AgentGrainState>();
        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, grainId, stored);
        Assert.Equal(Json(first.State), Json(stored.State));
    }

    [Fact]
    public async Task ClearedState_ReadsAsNew_AndAStaleWriterStillConflicts()
    {
        var silo = await target.SharedSiloAsync();
        var grainId = AgentGrainId();
        var owner = new GrainState<AgentGrainState>(SampleState());
        await silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, owner);
        var stale = new GrainState<AgentGrainState>();
        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, grainId, stale);

        await silo.GrainStorage.ClearStateAsync(StateNames.Agent, grainId, owner);
        var read = new GrainState<AgentGrainState>();
        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, grainId, read);

        Assert.False(read.RecordExists);
        Assert.Null(read.State!.Agent.Session);
        Assert.Equal(owner.ETag, read.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, stale));
        await silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, read);
        Assert.NotEqual(owner.ETag, read.ETag);
    }

    [Fact]
    public async Task TenantsWhoseIdsReadAsTheSameNumber_KeepSeparateRows()
    {
        var silo = await target.SharedSiloAsync();
        var suffix = Random.Shared.Next(1, 0xFFFFFF).ToString("x6", CultureInfo.InvariantCulture);

        await silo.Grains.GetTenantGrain(suffix).UpdatePreferences(new WorkSessionPreferences(true, true, 600, 60), null, "admin-a");
        await silo.Grains.GetTenantGrain("00" + suffix).UpdatePreferences(new WorkSessionPreferences(true, false, 900, 90), null, "admin-b");

        var first = await silo.Grains.GetTenantGrain(suffix).GetPreferences();
        var second = await silo.Grains.GetTenantGrain("00" + suffix).GetPreferences();
        Assert.Equal(("admin-a", 1L), (first.UpdatedBy, first.Version));
        Assert.Equal(("admin-b", 1L), (second.UpdatedBy, second.Version));
    }

    [Fact]
    public async Task TenantRoster_SurvivesASiloRestart_WithoutLivingInTheTenantsRow()
    {
        var serviceId = TestIds.New("roster");
        var tenantId = TestIds.NewTenantId();
        var first = await target.StartSiloAsync(serviceId);
        await first.Grains.GetTenantGrain(tenantId).UpdatePreferences(new WorkSessionPreferences(true, false, 1800, 180), null, "admin-1");
        await first.Grains.GetAgentGrain(tenantId, "agent-1").StartSession(AgentStatus.Ready, null);
        await first.Grains.GetAgentGrain(tenantId, "agent-2").StartSession(AgentStatus.Ready, null);
        await first.Grains.GetAgentGrain(tenantId, "agent-2").EndSession(Actor.Agent("agent-2"), null);
        // Eventually fails the test when the report tables never learn of the start and the end.
        await Eventually.UntilAsync(
            () => CountAsync($"SELECT count(*) FROM ws_sessions WHERE tenant_id = '{tenantId}' AND ended_at_ticks IS NULL"),
            open => open == 1,
            TimeSpan.FromSeconds(60),
            "one open session in the report tables",
            poll: TimeSpan.FromMilliseconds(50));
        await first.StopAsync();

        var second = await target.StartSiloAsync(serviceId);

        // Right away, before any agent's wake-up re-announces it.
        Assert.Equal(["agent-1"], (await second.Grains.GetTenantGrain(tenantId).GetRosterPage(null, RosterPage.MaxLimit)).AgentIds);
        var stored = new GrainState<TenantGrainState>();
        await second.GrainStorage.ReadStateAsync(StateNames.Tenant, GrainId.Create("tenant", WorkSessionsGrains.TenantGrainKey(tenantId)), stored);
        Assert.Null(stored.State!.Roster);
        await second.Grains.GetAgentGrain(tenantId, "agent-1").EndSession(Actor.Agent("agent-1"), null);
        await second.StopAsync();
    }

    [Fact]
    public async Task AgentGrain_AfterAConflictingWrite_FailsClearly_ThenContinuesFromTheStoredState()
    {
        var silo = await target.SharedSiloAsync();
        var tenantId = TestIds.NewTenantId();
        await silo.Grains.GetTenantGrain(tenantId).UpdatePreferences(new WorkSessionPreferences(true, false, 1800, 180), null, "admin-1");
        var key = AgentKey.Format(tenantId, "agent-1");
        var agent = silo.Grains.GetGrain<IAgentGrain>(key);
        var started = await agent.StartSession(AgentStatus.Ready, null);

        // Another writer changes the row behind the grain's back (think of a second activation during a partition).
        var grainId = GrainId.Create("agent", key);
        var behindItsBack = new GrainState<AgentGrainState>();
        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, grainId, behindItsBack);
        behindItsBack.State!.Agent.Session!.PromptCount = 7;
        await silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, behindItsBack);

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => agent.SetStatus(AgentStatus.NotReady, "lunch"));
        var view = await agent.SetStatus(AgentStatus.NotReady, "lunch");

        Assert.Contains("Version conflict", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(AgentStatus.NotReady, view.Status);
        Assert.Equal(started.View.Session!.SessionId, view.Session!.SessionId);
        Assert.Equal(7, view.Session.PromptCount);
        var stored = new GrainState<AgentGrainState>();
        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, grainId, stored);
        Assert.Equal(AgentStatus.NotReady, stored.State!.Agent.Status);
        Assert.Equal(7, stored.State.Agent.Session!.PromptCount);
    }

    [Fact]
    public async Task Reminder_SurvivesASiloRestart_AndStillFires()
    {
        var serviceId = TestIds.New("reminders");
        var probeKey = $"{target.Provider}-{Guid.NewGuid():N}";
        var first = await target.StartSiloAsync(serviceId);
        await first.Grains.GetGrain<IReminderProbeGrain>(probeKey).Arm(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        Assert.Equal(1, await CountAsync($"SELECT count(*) FROM orleans_reminders WHERE service_id = '{serviceId}'"));

        await first.StopAsync();
        var nextTick = ReminderProbe.NextTick(probeKey);
        var second = await target.StartSiloAsync(serviceId);
        var firedOn = await nextTick.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(second.Address, firedOn);
        await second.Grains.GetGrain<IReminderProbeGrain>(probeKey).Disarm();
        Assert.Equal(0, await CountAsync($"SELECT count(*) FROM orleans_reminders WHERE service_id = '{serviceId}'"));
        await second.StopAsync();
    }

    [Fact]
    public async Task ClearWithAStaleETag_IsRejected_AndTheStoredStateIsKept()
    {
        var silo = await target.SharedSiloAsync();
        var grainId = AgentGrainId();
        var stale = new GrainState<AgentGrainState>(SampleState());
        await silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, stale);
        var current = new GrainState<AgentGrainState>();
        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, grainId, current);
        await silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, current);

        await Assert.ThrowsAsync<InconsistentStateException>(() => silo.GrainStorage.ClearStateAsync(StateNames.Agent, grainId, stale));
        var stored = new GrainState<AgentGrainState>();
        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, grainId, stored);

        Assert.True(stored.RecordExists);
        Assert.Equal(current.ETag, stored.ETag);
        Assert.Equal(Json(current.State), Json(stored.State));
    }

    [Fact]
    public async Task ReminderUpserts_AnswerANewETag_AndOnlyTheCurrentETagRemoves()
    {
        var table = (await target.SharedSiloAsync()).Services.GetRequiredService<IReminderTable>();
        var grainId = ProbeGrainId(0);
        // Microseconds: PostgreSQL's timestamptz keeps no finer.
        var startAt = new DateTime(2030, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234560);

        var first = await table.UpsertRow(Reminder(grainId, "wake-up", startAt, TimeSpan.FromMinutes(90)));
        var second = await table.UpsertRow(Reminder(grainId, "wake-up", startAt.AddHours(1), TimeSpan.FromMinutes(30)));
        var read = await table.ReadRow(grainId, "wake-up");

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotEqual(first, second);
        Assert.NotNull(read);
        Assert.Equal((grainId, "wake-up", startAt.AddHours(1), TimeSpan.FromMinutes(30), second), (read.GrainId, read.ReminderName, read.StartAt, read.Period, read.ETag));
        Assert.Equal(DateTimeKind.Utc, read.StartAt.Kind);
        Assert.Equal([second], (await table.ReadRows(grainId)).Reminders.Select(entry => entry.ETag));
        Assert.Null(await table.ReadRow(grainId, "no-such-reminder"));

        Assert.False(await table.RemoveRow(grainId, "wake-up", first!));
        Assert.NotNull(await table.ReadRow(grainId, "wake-up"));
        Assert.True(await table.RemoveRow(grainId, "wake-up", second!));
        Assert.Null(await table.ReadRow(grainId, "wake-up"));
        Assert.False(await table.RemoveRow(grainId, "wake-up", second!));
    }

    [Fact]
    public async Task ReminderRanges_SplitTheHashRingAsOrleansDoes_IncludingRangesThatWrap()
    {
        var table = (await target.SharedSiloAsync()).Services.GetRequiredService<IReminderTable>();
        var grainIds = Enumerable.Range(0, 48).Select(ProbeGrainId).ToList();
        foreach (var grainId in grainIds)
        {
            await table.UpsertRow(Reminder(grainId, "range", DateTime.UtcNow.AddDays(1), TimeSpan.FromHours(1)));
        }

        var hashes = grainIds.Select(id => id.GetUniformHashCode()).Order().ToList();
        (uint Begin, uint End)[] ranges =
        [
            (hashes[5], hashes[20]),                          // plain
            (hashes[40], hashes[3]),                          // wraps past uint.MaxValue
            (0x7000_0000, 0x9000_0000),                       // plain, but wraps as signed integers
            (0xF000_0000, 0x1000_0000),                       // wraps, but plain as signed integers
            (hashes[10], hashes[10]),                         // begin = end: the whole ring
            (hashes[10] - 1, hashes[10]),                     // exactly one grain
            (0, uint.MaxValue),                               // everything but hash 0
        ];

        foreach (var (begin, end) in ranges)
        {
            var expected = grainIds.Where(id => InRange(id.GetUniformHashCode(), begin, end)).Select(id => id.ToString()).Order().ToList();
            var read = (await table.ReadRows(begin, end)).Reminders
                .Where(entry => grainIds.Contains(entry.GrainId))
                .Select(entry => entry.GrainId.ToString())
                .Order()
                .ToList();
            Assert.True(expected.SequenceEqual(read), $"range ({begin:x8}, {end:x8}]: expected {expected.Count}, read {read.Count}");
        }

        foreach (var grainId in grainIds)
        {
            var entry = await table.ReadRow(grainId, "range");
            Assert.True(await table.RemoveRow(grainId, "range", entry!.ETag!));
        }

        // (begin, end] on the ring, as Orleans' in-memory reminder table and its ring ranges define it.
        static bool InRange(uint hash, uint begin, uint end) => begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;
    }

    [Fact]
    public async Task ClearingTheReminderTable_RemovesOnlyThisServicesReminders()
    {
        var mine = await target.StartSiloAsync(TestIds.New("clear-mine"));
        var other = await target.StartSiloAsync(TestIds.New("clear-other"));
        var mineTable = mine.Services.GetRequiredService<IReminderTable>();
        var otherTable = other.Services.GetRequiredService<IReminderTable>();
        await mineTable.UpsertRow(Reminder(ProbeGrainId(1), "a", DateTime.UtcNow.AddDays(1), TimeSpan.FromHours(1)));
        await mineTable.UpsertRow(Reminder(ProbeGrainId(2), "b", DateTime.UtcNow.AddDays(1), TimeSpan.FromHours(1)));
        var kept = ProbeGrainId(3);
        await otherTable.UpsertRow(Reminder(kept, "c", DateTime.UtcNow.AddDays(1), TimeSpan.FromHours(1)));

        await mineTable.TestOnlyClearTable();

        Assert.Empty((await mineTable.ReadRows(0, 0)).Reminders);
        Assert.Equal([kept], (await otherTable.ReadRows(0, 0)).Reminders.Select(entry => entry.GrainId));
        await mine.StopAsync();
        await other.StopAsync();
    }

    protected async Task<int> CountAsync(string sql, IReadOnlyDictionary<string, string?>? settings = null) =>
        Convert.ToInt32(await target.ScalarAsync(sql, settings), CultureInfo.InvariantCulture);

    /// <summary>A reminder's grain that no silo activates: these tests use the table alone, with reminders due a day later.</summary>
    private static GrainId ProbeGrainId(int index) => GrainId.Create("table-probe", $"{Guid.NewGuid():N}-{index}");

    protected static ReminderEntry Reminder(GrainId grainId, string name, DateTime startAt, TimeSpan period) =>
        new() { GrainId = grainId, ReminderName = name, StartAt = startAt, Period = period };

    protected static GrainId AgentGrainId() =>
        GrainId.Create("agent", AgentKey.Format(TestIds.NewTenantId(), "agent-1"));

    private protected static string Json(AgentGrainState? state) => JsonSerializer.Serialize(state);

    /// <summary>An agent in the middle of things: warned, on a call, with time accounted and preferences held.</summary>
    private protected static AgentGrainState SampleState()
    {
        var startedAt = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero);
        return new AgentGrainState
        {
            Agent = new AgentState
            {
                Status = AgentStatus.Occupied,
                StatusAfterEngagements = AgentStatus.NotReady,
                ReasonAfterEngagements = "after-call-work",
                OpenEngagements = ["call-1", "chat-2"],
                Preferences = new TenantPreferences(new WorkSessionPreferences(true, true, 600, 60), 3, startedAt.AddDays(-1), "admin-1"),
                Session = new OpenSession
                {
                    SessionId = Guid.NewGuid(),
                    StartedAt = startedAt,
                    LastActivityAt = startedAt.AddMinutes(42).AddTicks(1234567),
                    WarnedAt = startedAt.AddMinutes(52),
                    GraceDeadline = startedAt.AddMinutes(53),
                    PromptCount = 2,
                    ContinueCount = 1,
                    StatusSince = startedAt.AddMinutes(40),
                    ReadySeconds = 1800.25,
                    NotReadySeconds = 600.5,
                    OccupiedSeconds = 120,
                },
            },
        };
    }
}

public sealed partial class SqliteStorageTests(SqliteTarget target) : StorageConformanceTests<SqliteTarget>(target)
{
    [Fact]
    public async Task SqliteConnections_AreSetUpForAServer()
    {
        await Target.SharedSiloAsync();

        Assert.Equal("wal", await Target.ScalarAsync("PRAGMA journal_mode"));
        Assert.Equal(1L, await Target.ScalarAsync("PRAGMA synchronous")); // NORMAL
        Assert.Equal(30_000L, await Target.ScalarAsync("PRAGMA busy_timeout")); // the connection string's Default Timeout (30 s)
    }

    [Fact]
    public async Task GrainStateAndReminderWrites_QueueToTheWriterThread()
    {
        var silo = await Target.SharedSiloAsync();
        var writer = silo.Services.GetRequiredService<WorkSessionsDatabase>().Writer!;
        var table = silo.Services.GetRequiredService<IReminderTable>();
        var grainId = AgentGrainId();
        var state = new GrainState<AgentGrainState>(SampleState());
        var reminderGrain = GrainId.Create("table-probe", Guid.NewGuid().ToString("N"));

        var before = writer.Writes;
        await silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, state);
        await silo.GrainStorage.WriteStateAsync(StateNames.Agent, grainId, state);
        var etag = await table.UpsertRow(Reminder(reminderGrain, "r", DateTime.UtcNow.AddDays(1), TimeSpan.FromHours(1)));
        await silo.GrainStorage.ReadStateAsync(StateNames.Agent, grainId, new GrainState<AgentGrainState>());
        await table.ReadRow(reminderGrain, "r");
        await table.RemoveRow(reminderGrain, "r", etag!);

        Assert.IsType<SqliteGrainStorage>(silo.GrainStorage);
        Assert.IsType<SqliteReminderTable>(table);
        // Other silos of the class write meanwhile (report batches): at least these four, from this test.
        Assert.InRange(writer.Writes - before, 4, 1000);
    }
}
