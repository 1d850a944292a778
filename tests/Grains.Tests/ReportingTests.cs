using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.TestSupport;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// Scripted sessions under fake time, then the reports read back from the report tables: every figure to the second.
/// Delivery is asynchronous (the outbox), so each test waits until the records it needs have arrived.
/// </summary>
[Collection(ReportingClusterCollection.Name)]
public sealed class ReportingTests(ClusterFixture fixture)
{
    private static readonly WorkSessionPreferences AutoEnd = new(true, true, InactivityTimeoutSeconds: 120, GracePeriodSeconds: 30);
    private static readonly WorkSessionPreferences NoAutoEnd = new(true, false, InactivityTimeoutSeconds: 60, GracePeriodSeconds: 30);
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ScriptedSession_ReportsEveryStatusSecondPromptContinueAndAutoEnd()
    {
        var tenant = await fixture.NewTenantAsync(AutoEnd);
        var t0 = await AdvanceToNextUtcHourAsync(10);
        var agent = fixture.Agent(tenant, "alice");

        await agent.StartSession(AgentStatus.Ready, null);
        await AdvanceToAsync(t0, 40);
        await agent.SetStatus(AgentStatus.NotReady, "lunch");
        await AdvanceToAsync(t0, 100);
        await agent.SetStatus(AgentStatus.Ready, null);
        await AdvanceToAsync(t0, 130);
        await agent.BeginEngagement("call-1");
        await AdvanceToAsync(t0, 190);
        await agent.EndEngagement("call-1");
        await AdvanceToAsync(t0, 310); // 120 s idle: the first prompt
        Assert.Equal(SessionState.Warned, (await agent.GetSnapshot()).State);
        await AdvanceToAsync(t0, 320);
        await agent.Continue();
        await AdvanceToAsync(t0, 440); // idle again: the second prompt
        Assert.Equal(SessionState.Warned, (await agent.GetSnapshot()).State);
        await AdvanceToAsync(t0, 470); // the grace period runs out
        Assert.Equal(SessionState.None, (await agent.GetSnapshot()).State);

        var reports = fixture.Grains.GetReportGrain(tenant);
        var range = ReportRange.Create(t0.AddHours(-1), t0.AddHours(1));
        var session = Assert.Single((await WaitForSessionsAsync(tenant, range, s => s.EndedAt is not null)).Items);
        Assert.Equal(new SessionReportItem(
            session.SessionId, "alice", t0, t0.AddSeconds(470), EndReason.InactivityTimeout, null,
            PromptCount: 2, ContinueCount: 1, ReadySeconds: 350, NotReadySeconds: 60, OccupiedSeconds: 60, Note: null), session);

        var card = Assert.Single((await reports.GetTimecards(new TimecardQuery(range, "UTC", null, null, 100))).Items);
        Assert.Equal(DateOnly.FromDateTime(t0.UtcDateTime), card.Date);
        Assert.Equal((1, 470d, 350d, 60d, 60d, 2, 1, 1),
            (card.Sessions, card.SessionSeconds, card.ReadySeconds, card.NotReadySeconds, card.OccupiedSeconds, card.Prompts, card.Continues, card.AutoEnds));
        Assert.Equal(new Dictionary<string, double> { ["lunch"] = 60 }, card.NotReadyByReason);

        var history = (await reports.GetStatusHistory(new StatusHistoryQuery("alice", range, null, 100))).Items;
        Assert.Equal(
            [
                (0, AgentStatus.Offline, AgentStatus.Ready, (string?)null, Actor.Agent("alice")),
                (40, AgentStatus.Ready, AgentStatus.NotReady, "lunch", Actor.Agent("alice")),
                (100, AgentStatus.NotReady, AgentStatus.Ready, null, Actor.Agent("alice")),
                (130, AgentStatus.Ready, AgentStatus.Occupied, null, Actor.System),
                (190, AgentStatus.Occupied, AgentStatus.Ready, null, Actor.System),
                (470, AgentStatus.Ready, AgentStatus.Offline, null, Actor.System),
            ],
            history.Select(h => ((int)(h.At - t0).TotalSeconds, h.From, h.To, h.Reason, h.Actor)));
        Assert.All(history, h => Assert.Equal(session.SessionId, h.SessionId));
    }

    [Theory]
    [InlineData("UTC", "2h+2h")]
    [InlineData("Europe/Berlin", "1h+3h")]
    [InlineData("America/New_York", "4h")]
    public async Task NightShift_SplitsAtLocalMidnight_EverySecondCountedOnce(string timeZone, string expected)
    {
        var tenant = await fixture.NewTenantAsync(NoAutoEnd);
        var start = await AdvanceToNextUtcHourAsync(22);
        var agent = fixture.Agent(tenant, "night-owl");
        await agent.StartSession(AgentStatus.Ready, null);
        await fixture.AdvanceAsync(TimeSpan.FromHours(4));
        await agent.EndSession(Actor.Agent("night-owl"), null);

        var range = ReportRange.Create(start.AddDays(-1), start.AddDays(1));
        await WaitForSessionsAsync(tenant, range, s => s.EndedAt is not null);
        var cards = (await fixture.Grains.GetReportGrain(tenant).GetTimecards(new TimecardQuery(range, timeZone, null, null, 100))).Items;

        Assert.Equal(expected, string.Join("+", cards.Select(c => $"{c.SessionSeconds / 3600}h")));
        Assert.All(cards, c => Assert.Equal(c.SessionSeconds, c.ReadySeconds));
        Assert.All(cards, c => Assert.Equal(1, c.Sessions));
        Assert.Equal(4 * 3600, cards.Sum(c => c.SessionSeconds));
    }

    [Fact]
    public async Task OpenSession_CountsUpToNow_AndTheRangeCutsIt()
    {
        var tenant = await fixture.NewTenantAsync(NoAutoEnd);
        var start = await AdvanceToNextUtcHourAsync(23);
        await fixture.Agent(tenant, "bob").StartSession(AgentStatus.NotReady, "training");
        await fixture.AdvanceAsync(TimeSpan.FromMinutes(90));

        var wide = ReportRange.Create(start.AddHours(-1), start.AddHours(5));
        var open = Assert.Single((await WaitForSessionsAsync(tenant, wide, _ => true)).Items);
        Assert.Null(open.EndedAt);
        Assert.Equal(5400, open.NotReadySeconds);

        var reports = fixture.Grains.GetReportGrain(tenant);
        var cards = (await reports.GetTimecards(new TimecardQuery(wide, "UTC", null, null, 100))).Items;
        Assert.Equal([3600d, 1800d], cards.Select(c => c.NotReadySeconds));
        Assert.Equal([1800d], cards[1].NotReadyByReason.Values);

        // Only the range's own seconds: 23:30–00:15.
        var cut = ReportRange.Create(start.AddMinutes(30), start.AddMinutes(75));
        var cutCards = (await reports.GetTimecards(new TimecardQuery(cut, "UTC", null, null, 100))).Items;
        Assert.Equal([1800d, 900d], cutCards.Select(c => c.SessionSeconds));
        await fixture.Agent(tenant, "bob").EndSession(Actor.Agent("bob"), null);
    }

    [Fact]
    public async Task Concurrency_PeakAndAveragePerInterval()
    {
        var tenant = await fixture.NewTenantAsync(NoAutoEnd);
        var t0 = await AdvanceToNextUtcHourAsync(8);
        await fixture.Agent(tenant, "a").StartSession(AgentStatus.Ready, null);
        await AdvanceToAsync(t0, 300);
        await fixture.Agent(tenant, "b").StartSession(AgentStatus.Ready, null);
        await fixture.Agent(tenant, "c").StartSession(AgentStatus.Ready, null);
        await AdvanceToAsync(t0, 400);
        await fixture.Agent(tenant, "c").EndSession(Actor.Agent("c"), null);
        await AdvanceToAsync(t0, 600);
        await fixture.Agent(tenant, "a").EndSession(Actor.Agent("a"), null);
        await AdvanceToAsync(t0, 900);
        await fixture.Agent(tenant, "b").EndSession(Actor.Agent("b"), null);

        var range = ReportRange.Create(t0, t0.AddSeconds(1200));
        await WaitForSessionsAsync(tenant, range, s => s.EndedAt is not null, count: 3);
        var rows = await fixture.Grains.GetReportGrain(tenant).GetConcurrency(new ConcurrencyQuery(range, TimeSpan.FromMinutes(5)));

        // a: 0–600, b: 300–900, c: 300–400 (seconds from t0).
        Assert.Equal([(0, 1), (300, 3), (600, 1), (900, 0)], rows.Select(r => ((int)(r.Start - t0).TotalSeconds, r.Peak)));
        Assert.Equal([1.0, 700 / 300.0, 1.0, 0.0], rows.Select(r => r.Average), new ToleranceComparer(1e-9));
    }

    [Fact]
    public async Task PreferenceChanges_AreReportedWithWhoAndTheValues_NewestFirst()
    {
        var tenant = await fixture.NewTenantAsync();
        var tenantGrain = fixture.Grains.GetTenantGrain(tenant);
        await tenantGrain.UpdatePreferences(AutoEnd, null, "ann");
        await tenantGrain.UpdatePreferences(AutoEnd with { InactivityTimeoutSeconds = 900 }, 1, "bea");

        var history = await Eventually.UntilAsync(
            () => fixture.Grains.GetReportGrain(tenant).GetPreferenceHistory(null, 100),
            page => page.Items.Count == 2, Delivery, "both preference changes in the report tables");

        Assert.Equal(
            [(2L, "bea", 900, true), (1L, "ann", 120, true)],
            history.Items.Select(c => (c.Version, c.UpdatedBy!, c.InactivityTimeoutSeconds, c.AutoEndEnabled)));
    }

    [Fact]
    public async Task PreferenceChange_IsInTheHistoryWhenItAnswers_EvenBehindABacklogOfOtherEvents()
    {
        var tenant = await fixture.NewTenantAsync();
        Assert.Equal(0, (await fixture.Grains.GetTenantGrain(tenant).GetPreferences()).Version);
        var busyTenant = await EnqueueBacklogAsync(Backlog);
        try
        {
            var changed = await fixture.Grains.GetTenantGrain(tenant).UpdatePreferences(AutoEnd, null, "ann");
            var history = await fixture.Grains.GetReportGrain(tenant).GetPreferenceHistory(null, 10);

            Assert.True(await ScalarAsync($"SELECT COUNT(*) FROM ws_events WHERE tenant_id = '{busyTenant}'") < Backlog, "the backlog was still being delivered");
            Assert.Equal((changed.Version, "ann"), (Assert.Single(history.Items).Version, history.Items[0].UpdatedBy));
        }
        finally
        {
            await DrainBacklogAsync(busyTenant, Backlog);
        }
    }

    [Fact]
    public async Task PreferenceHistory_PagesFromTheChangeTheTenantAnswers_OnToTheStoredOnes_EachOnce()
    {
        var tenant = await fixture.NewTenantAsync();
        var tenantGrain = fixture.Grains.GetTenantGrain(tenant);
        var reports = fixture.Grains.GetReportGrain(tenant);
        await tenantGrain.UpdatePreferences(AutoEnd, null, "ann");
        await Eventually.UntilAsync(() => reports.GetPreferenceHistory(null, 10), page => page.Items.Count == 1, Delivery, "the first change in the report tables");
        // A quarter of the other test's backlog: enough to hold one change back for the two reads below.
        var busyTenant = await EnqueueBacklogAsync(Backlog / 4);
        try
        {
            await tenantGrain.UpdatePreferences(AutoEnd with { InactivityTimeoutSeconds = 900 }, 1, "bea");
            var first = await reports.GetPreferenceHistory(null, 1);
            var second = await reports.GetPreferenceHistory(first.NextCursor, 1);

            Assert.True(await ScalarAsync($"SELECT COUNT(*) FROM ws_events WHERE tenant_id = '{busyTenant}'") < Backlog / 4, "the backlog was still being delivered");
            Assert.Equal([(2L, "bea")], first.Items.Select(c => (c.Version, c.UpdatedBy!)));
            Assert.Equal([(1L, "ann")], second.Items.Select(c => (c.Version, c.UpdatedBy!)));
            Assert.Null(second.NextCursor);
        }
        finally
        {
            await DrainBacklogAsync(busyTenant, Backlog / 4);
        }

        // Once stored, the same pages come from the report tables.
        var stored = await Eventually.UntilAsync(
            () => reports.GetPreferenceHistory(null, 1), page => page.NextCursor is not null && page.Items[0].Version == 2, Delivery, "the second change stored");
        Assert.Equal([1L], (await reports.GetPreferenceHistory(stored.NextCursor, 1)).Items.Select(c => c.Version));
    }

    [Fact]
    public async Task OutboxedState_AFailedWriteLeavesStateAndOutboxAsTheyWere_AndBacksOff_TheNextHandsItsEventOver()
    {
        var tenant = $"outboxed-{Guid.NewGuid():N}";
        var storage = new FlakyState<TenantGrainState>(new TenantGrainState());
        var writer = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<Reporting.ReportWriter>();
        var state = new OutboxedState<TenantGrainState>(storage, writer, outboxCapacity: 10, fixture.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)
        {
            Owner = GrainId.Create("tenant", tenant),
        };
        var refused = TenantPreferences.Default with { Version = 1, UpdatedAt = fixture.Time.GetUtcNow(), UpdatedBy = "ann" };
        var stored = refused with { Version = 2, UpdatedBy = "bea" };
        var before = state.State;

        storage.Fail = true;
        await Assert.ThrowsAsync<InvalidOperationException>(
            () => state.WriteAsync(state.State with { Preferences = refused }, [Reporting.ReportEntry.PreferencesChanged(tenant, refused)]));

        Assert.Same(before, state.State);
        Assert.Empty(state.State.Outbox);
        Assert.NotNull(state.RetryNotBefore);

        storage.Fail = false;
        await state.WriteAsync(state.State with { Preferences = stored }, [Reporting.ReportEntry.PreferencesChanged(tenant, stored)]);

        Assert.Equal(stored, state.State.Preferences);
        Assert.Equal([2L], state.State.Outbox.Select(entry => entry.Preferences!.Version));
        Assert.Null(state.RetryNotBefore);
        var history = await Eventually.UntilAsync(
            () => fixture.Grains.GetReportGrain(tenant).GetPreferenceHistory(null, 10), page => page.Items.Count > 0, Delivery, "the handed-over event");
        Assert.Equal([(2L, "bea")], history.Items.Select(c => (c.Version, c.UpdatedBy!)));
        await Eventually.UntilAsync(() => !state.HasUndelivered, Delivery, "the delivery acknowledged");
    }

    /// <summary>A grain's persisted state whose writes fail while <see cref="Fail"/> is set; nothing is stored anywhere.</summary>
    private sealed class FlakyState<T>(T initial) : IPersistentState<T>
    {
        public bool Fail { get; set; }

        public T State { get; set; } = initial;

        public string Etag => "";

        public bool RecordExists => true;

        public Task ClearStateAsync() => Task.CompletedTask;

        public Task ReadStateAsync() => Task.CompletedTask;

        public Task WriteStateAsync() =>
            Fail ? Task.FromException(new InvalidOperationException("Injected storage failure.")) : Task.CompletedTask;
    }

    private const int Backlog = 80_000;

    /// <summary>Another tenant's events queued for delivery ahead of what a test does next: the silo's writer needs seconds for them.</summary>
    private async Task<string> EnqueueBacklogAsync(int count)
    {
        var busyTenant = await fixture.NewTenantAsync();
        var writer = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<Reporting.ReportWriter>();
        var backlogOwner = new Reporting.ReportOutbox(capacity: count);
        // A few entries per hand-over, as grains hand them over.
        foreach (var versions in Enumerable.Range(1, count).Chunk(5))
        {
            Assert.True(writer.TryEnqueue(backlogOwner, [.. versions.Select(version => Reporting.ReportEntry.PreferencesChanged(
                busyTenant, TenantPreferences.Default with { Version = version, UpdatedAt = fixture.Time.GetUtcNow(), UpdatedBy = "bulk" }))]));
        }

        return busyTenant;
    }

    /// <summary>
    /// Later tests wait for their own deliveries: let the backlog drain first. A clean-up, not an assertion on speed: the
    /// bound is generous, since a machine busy with other builds writes the 80,000 rows several times slower than a quiet one.
    /// </summary>
    private Task DrainBacklogAsync(string busyTenant, int count) => Eventually.UntilAsync(
        () => ScalarAsync($"SELECT COUNT(*) FROM ws_events WHERE tenant_id = '{busyTenant}'"), stored => stored == count, TimeSpan.FromMinutes(5), "the backlog");

    [Fact]
    public async Task Feed_HoldsEveryEventOfTheTenantInOrder_AndPagesByPosition()
    {
        var tenant = await fixture.NewTenantAsync(NoAutoEnd);
        var agent = fixture.Agent(tenant, "carol");
        await agent.StartSession(AgentStatus.Ready, null);
        await agent.SetStatus(AgentStatus.NotReady, "break");
        await agent.EndSession(Actor.Supervisor("sam"), "shift over");

        var reports = fixture.Grains.GetReportGrain(tenant);
        var all = await Eventually.UntilAsync(() => reports.GetEvents(0, 100), page => page.Items.Count == 6, Delivery, "six events");
        Assert.Equal(
            [FeedEventKinds.PreferencesChanged, FeedEventKinds.SessionStarted, FeedEventKinds.StatusChanged,
                FeedEventKinds.StatusChanged, FeedEventKinds.SessionEnded, FeedEventKinds.StatusChanged],
            all.Items.Select(e => e.Kind));
        Assert.True(all.Items.Zip(all.Items.Skip(1)).All(pair => pair.First.Position < pair.Second.Position));
        var ended = all.Items.Single(e => e.Kind == FeedEventKinds.SessionEnded);
        Assert.Equal((EndReason.EndedBySupervisor, "sam", "shift over"), (ended.Session!.EndReason, ended.Session.EndedBy, ended.Note));
        Assert.Equal(Actor.Supervisor("sam"), ended.Actor);

        var firstPage = await reports.GetEvents(0, 4);
        var rest = await reports.GetEvents(long.Parse(firstPage.NextCursor!, System.Globalization.CultureInfo.InvariantCulture), 4);
        Assert.Equal(all.Items, firstPage.Items.Concat(rest.Items));
        Assert.Null(rest.NextCursor);
        Assert.Equal(all.Items[^1].Position, await reports.GetLatestPosition());
    }

    [Fact]
    public async Task DeliveredOutbox_IsTrimmedByTheNextWrite_WithoutAWriteOfItsOwn()
    {
        var tenant = await fixture.NewTenantAsync(NoAutoEnd);
        var agent = fixture.Agent(tenant, "dave");
        var grainId = agent.GetGrainId();
        await agent.StartSession(AgentStatus.Ready, null);
        var range = ReportRange.Create(fixture.Time.GetUtcNow().AddHours(-1), fixture.Time.GetUtcNow().AddHours(1));
        await WaitForSessionsAsync(tenant, range, _ => true);
        await Eventually.UntilAsync(
            () => fixture.Grains.GetReportGrain(tenant).GetEvents(0, 100), page => page.Items.Count(e => e.AgentId == "dave") == 2,
            Delivery, "the start's two events");
        var writes = fixture.Storage.WritesOf(grainId);
        Assert.Equal(2, StoredOutbox(grainId).Count);

        await agent.SetStatus(AgentStatus.NotReady, "coffee");

        Assert.Equal(writes + 1, fixture.Storage.WritesOf(grainId));
        var outbox = StoredOutbox(grainId);
        Assert.Equal([FeedEventKinds.StatusChanged], outbox.Select(entry => entry.Kind));
        await agent.EndSession(Actor.Agent("dave"), null);
    }

    [Fact]
    public async Task EndedSession_OnceDelivered_IsTrimmedByItsLastWakeUp_WhichThenGoes()
    {
        var tenant = await fixture.NewTenantAsync(NoAutoEnd);
        var agent = fixture.Agent(tenant, "erin");
        var grainId = agent.GetGrainId();
        await agent.StartSession(AgentStatus.Ready, null);
        Assert.Equal(0, await ReminderCountAsync(grainId));
        await agent.EndSession(Actor.Agent("erin"), null);
        await Eventually.UntilAsync(
            () => fixture.Grains.GetReportGrain(tenant).GetEvents(0, 100), page => page.Items.Count(e => e.AgentId == "erin") == 4,
            Delivery, "the session's four events");
        Assert.NotEmpty(StoredOutbox(grainId));

        // The outbox timer, a wake-up period after the entries were handed over, trims them; then the agent leaves its shard.
        await fixture.AdvanceAsync(TimeSpan.FromMinutes(1));
        await Eventually.UntilAsync(() => Task.FromResult(StoredOutbox(grainId).Count), count => count == 0, Delivery, "the outbox to be trimmed");
        await Eventually.UntilAsync(
            () => fixture.WakeStore.ReadRangeAsync(grainId.GetUniformHashCode(), grainId.GetUniformHashCode(), CancellationToken.None),
            members => members.Count == 0, Delivery, "the agent to leave its wake shard");
    }

    [Fact]
    public async Task DeliveryAfterTheAgentWentIdle_DoesNotActivateItAgain()
    {
        var tenant = await fixture.NewTenantAsync(NoAutoEnd);
        await Eventually.UntilAsync(
            () => ScalarAsync($"SELECT COUNT(*) FROM ws_events WHERE tenant_id = '{tenant}'"), count => count == 1, Delivery, "the preference change");
        var agent = fixture.Agent(tenant, "frank");
        await ExecuteAsync("ALTER TABLE ws_events RENAME TO ws_events_away");
        try
        {
            await agent.StartSession(AgentStatus.Ready, null);
            await agent.EndSession(Actor.Agent("frank"), null);
            await fixture.DeactivateAsync(agent);
        }
        finally
        {
            await ExecuteAsync("ALTER TABLE ws_events_away RENAME TO ws_events");
        }

        await Eventually.UntilAsync(
            () => fixture.Grains.GetReportGrain(tenant).GetEvents(0, 100), page => page.Items.Count(e => e.AgentId == "frank") == 4,
            Delivery, "the session's four events");
        // Delivery is acknowledged as soon as a batch is stored, by the one writer that stores batches in order: once a
        // later agent's event is in the feed, frank's acknowledgement is done, and a message it sent to his grain left
        // before the calls that read that later event.
        await fixture.Agent(tenant, "grace").StartSession(AgentStatus.Ready, null);
        await Eventually.UntilAsync(
            () => fixture.Grains.GetReportGrain(tenant).GetEvents(0, 100), page => page.Items.Any(e => e.AgentId == "grace"),
            Delivery, "a later agent's event");

        Assert.False(fixture.Cluster.TryGetGrainContext(agent.GetGrainId(), out _), "the acknowledgement activated the idle agent again");
    }

    private async Task<int> ReminderCountAsync(GrainId grainId)
    {
        var table = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Orleans.IReminderTable>(
            fixture.Cluster.GetSiloServiceProvider());
        return (await table.ReadRows(grainId)).Reminders.Count;
    }

    [Fact]
    public async Task ReportTablesDown_CommandsAndHeartbeatsGoOn_AndEveryRecordArrivesOnceAfterwards()
    {
        var tenant = await fixture.NewTenantAsync(NoAutoEnd);
        var range = ReportRange.Create(fixture.Time.GetUtcNow().AddHours(-1), fixture.Time.GetUtcNow().AddHours(1));
        var countEvents = $"SELECT COUNT(*) FROM ws_events WHERE tenant_id = '{tenant}'";
        await Eventually.UntilAsync(() => ScalarAsync(countEvents), count => count == 1, Delivery, "the preference change");
        await ExecuteAsync("ALTER TABLE ws_events RENAME TO ws_events_away");
        try
        {
            for (var i = 0; i < 20; i++)
            {
                var agent = fixture.Agent(tenant, $"agent-{i}");
                await agent.StartSession(AgentStatus.Ready, null);
                await agent.RecordActivity();
                await agent.SetStatus(AgentStatus.NotReady, "meeting");
                await agent.RecordActivity();
                await agent.EndSession(Actor.Agent($"agent-{i}"), null);
            }

            Assert.Equal(1L, await ScalarAsync($"SELECT COUNT(*) FROM ws_events_away WHERE tenant_id = '{tenant}'"));
        }
        finally
        {
            await ExecuteAsync("ALTER TABLE ws_events_away RENAME TO ws_events");
        }

        var sessions = await WaitForSessionsAsync(tenant, range, s => s.EndedAt is not null, count: 20);
        Assert.Equal(20, sessions.Items.Select(s => s.SessionId).Distinct().Count());
        // Per lifecycle: started, offline→ready, ready→notReady, ended, notReady→offline; plus the tenant's preference change.
        await Eventually.UntilAsync(
            () => ScalarAsync($"SELECT COUNT(*) FROM ws_events WHERE tenant_id = '{tenant}'"), count => count >= 101, Delivery, "every event");
        Assert.Equal(101L, await ScalarAsync($"SELECT COUNT(*) FROM ws_events WHERE tenant_id = '{tenant}'"));
        Assert.Equal(0L, await ScalarAsync(
            $"SELECT COUNT(*) FROM (SELECT session_id, kind FROM ws_events WHERE tenant_id = '{tenant}' AND kind IN ('session-started', 'session-ended') GROUP BY session_id, kind HAVING COUNT(*) <> 1) AS twice"));
    }

    private List<Reporting.ReportEntry> StoredOutbox(GrainId grainId) =>
        fixture.Storage.Read<AgentGrainState>(StateNames.Agent, grainId)!.Outbox;

    private async Task<ReportPage<SessionReportItem>> WaitForSessionsAsync(
        string tenant, ReportRange range, Func<SessionReportItem, bool> done, int count = 1) =>
        await Eventually.UntilAsync(
            () => fixture.Grains.GetReportGrain(tenant).GetSessions(new SessionQuery(range, null, null, null, 1000)),
            page => page.Items.Count == count && page.Items.All(done),
            Delivery,
            $"{count} session record(s) in the report tables");

    /// <summary>Moves the shared fake clock to the next whole hour <paramref name="hour"/>:00 UTC.</summary>
    private async Task<DateTimeOffset> AdvanceToNextUtcHourAsync(int hour)
    {
        var now = fixture.Time.GetUtcNow();
        var target = new DateTimeOffset(now.Year, now.Month, now.Day, hour, 0, 0, TimeSpan.Zero);
        while (target <= now)
        {
            target = target.AddDays(1);
        }

        await fixture.AdvanceAsync(target - now);
        return target;
    }

    private async Task AdvanceToAsync(DateTimeOffset t0, int seconds) => await fixture.AdvanceAsync(t0.AddSeconds(seconds) - fixture.Time.GetUtcNow());

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await fixture.Reports.DataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await fixture.Reports.DataSource.OpenConnectionAsync();
        await using DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
