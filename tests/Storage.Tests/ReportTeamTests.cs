using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Reporting;
using WorkSessions.Storage.Tests.Infrastructure;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// Reports by team on both databases (docs/architecture.md#reporting): a session row keeps the team it started in,
/// an event the team of its time (and, for an agent's team change, the one it left), and every team-filtered read
/// selects by a set of teams, an empty set selecting nothing.
/// </summary>
public abstract class ReportTeamTests<TTarget>(TTarget target) : IClassFixture<TTarget>
    where TTarget : StorageTarget
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly ReportRange Day = ReportRange.Create(Start.AddHours(-8), Start.AddHours(16));

    [Fact]
    public async Task SessionsAndEvents_KeepTheirTeams_AndTheTeamFiltersSelectBySet()
    {
        var settings = await target.CreateDatabaseAsync();
        await StorageTarget.MigrateAsync(settings);
        await using var database = WorkSessionsDatabase.Open(StorageTarget.ToOptions(settings));
        var store = new ReportStore(database);
        var tenant = TestSupport.TestIds.NewTenantId();
        var dayAlice = Guid.NewGuid();
        var nightBob = Guid.NewGuid();
        var noTeamCarol = Guid.NewGuid();
        var endOnlyDave = Guid.NewGuid();

        await store.InsertAsync(
        [
            Started(tenant, "alice", dayAlice, Start, "day"),
            Started(tenant, "bob", nightBob, Start.AddMinutes(1), "night"),
            Started(tenant, "carol", noTeamCarol, Start.AddMinutes(2), null),
            Status(tenant, "alice", dayAlice, Start.AddMinutes(3), "day"),
            AgentTeamChanged(tenant, "alice", Start.AddMinutes(4), "day", "night"),
            Status(tenant, "alice", dayAlice, Start.AddMinutes(5), "night"),
            // Alice's session ends in night; the row keeps day, the team it started in.
            Ended(tenant, "alice", dayAlice, Start, Start.AddHours(1), endTeam: "night", sessionTeam: "day"),
            // An end whose start was never delivered makes the row from the record, with the team it started in.
            Ended(tenant, "dave", endOnlyDave, Start.AddMinutes(10), Start.AddHours(2), endTeam: null, sessionTeam: "night"),
        ],
            CancellationToken.None);

        var all = await store.ReadSessionsStartedAsync(tenant, Day, null, null, null, null, 10, CancellationToken.None);
        Assert.Equal(
            [(dayAlice, "day"), (nightBob, "night"), (noTeamCarol, null), (endOnlyDave, "night")],
            all.Select(s => (s.SessionId, s.TeamId)));
        Assert.Equal([nightBob, endOnlyDave], (await Sessions(store, tenant, ["night"])).Select(s => s.SessionId));
        Assert.Equal([dayAlice, nightBob, endOnlyDave], (await Sessions(store, tenant, ["night", "day", "day"])).Select(s => s.SessionId));
        Assert.Empty(await Sessions(store, tenant, []));
        Assert.Empty(await Sessions(store, tenant, ["other"]));

        Assert.Equal(["bob", "dave"], await store.ReadAgentsWithSessionsAsync(tenant, Day, ["night"], null, 10, CancellationToken.None));
        Assert.Equal(["dave"], await store.ReadAgentsWithSessionsAsync(tenant, Day, ["night"], "bob", 10, CancellationToken.None));
        Assert.Equal(4, (await store.ReadAgentsWithSessionsAsync(tenant, Day, null, null, 10, CancellationToken.None)).Count);
        Assert.Equal([dayAlice], (await store.ReadSessionsOverlappingAsync(tenant, "alice", Day, ["day"], CancellationToken.None)).Select(s => s.SessionId));
        Assert.Empty(await store.ReadSessionsOverlappingAsync(tenant, "alice", Day, ["night"], CancellationToken.None));
        Assert.Equal(2, (await store.ReadSessionSpansAsync(tenant, Day, ["night"], CancellationToken.None)).Count);
        Assert.Equal(4, (await store.ReadSessionSpansAsync(tenant, Day, null, CancellationToken.None)).Count);
        Assert.Empty(await store.ReadSessionSpansAsync(tenant, Day, [], CancellationToken.None));

        var events = await store.ReadEventsAsync(new EventFilter(tenant, 100), CancellationToken.None);
        Assert.Equal(
            [("day", null), ("night", null), (null, null), ("day", null), ("night", "day"), ("night", null), ("night", null), (null, null)],
            events.Select(e => (e.TeamId, e.PreviousTeamId)));
        var ended = events.Single(e => e.SessionId == dayAlice && e.Kind == FeedEventKinds.SessionEnded);
        Assert.Equal(("night", "day"), (ended.TeamId, ended.Session!.TeamId));

        // Day's events: while alice was in day, and her leaving it.
        var dayEvents = await store.ReadEventsAsync(new EventFilter(tenant, 100) { TeamIds = ["day"] }, CancellationToken.None);
        Assert.Equal(
            [FeedEventKinds.SessionStarted, FeedEventKinds.StatusChanged, FeedEventKinds.AgentTeamChanged],
            dayEvents.Select(e => e.Kind));
        var nightAfter = await store.ReadEventsAsync(
            new EventFilter(tenant, 100) { TeamIds = ["night"], AfterPosition = dayEvents[^1].Position }, CancellationToken.None);
        Assert.Equal([FeedEventKinds.StatusChanged, FeedEventKinds.SessionEnded], nightAfter.Select(e => e.Kind));
        Assert.Empty(await store.ReadEventsAsync(new EventFilter(tenant, 100) { TeamIds = [] }, CancellationToken.None));
        var aliceInNight = await store.ReadEventsAsync(
            new EventFilter(tenant, 100) { AgentId = "alice", Kind = FeedEventKinds.StatusChanged, TeamIds = ["night"] }, CancellationToken.None);
        Assert.Equal([Start.AddMinutes(5)], aliceInNight.Select(e => e.At));
    }

    private static Task<List<SessionReportItem>> Sessions(ReportStore store, string tenant, string[] teams) =>
        store.ReadSessionsStartedAsync(tenant, Day, null, null, teams, null, 10, CancellationToken.None);

    private static ReportEntry Started(string tenant, string agent, Guid session, DateTimeOffset at, string? team) =>
        new(Guid.NewGuid(), tenant, agent, session, at, FeedEventKinds.SessionStarted, To: AgentStatus.Ready, Actor: Actor.Agent(agent), TeamId: team);

    private static ReportEntry Status(string tenant, string agent, Guid session, DateTimeOffset at, string? team) =>
        new(Guid.NewGuid(), tenant, agent, session, at, FeedEventKinds.StatusChanged, AgentStatus.Ready, AgentStatus.NotReady, "break", Actor.Agent(agent), TeamId: team);

    private static ReportEntry AgentTeamChanged(string tenant, string agent, DateTimeOffset at, string? previous, string? team) =>
        ReportEntry.AgentTeamChanged(tenant, agent, at, previous, team, "admin-1");

    private static ReportEntry Ended(string tenant, string agent, Guid session, DateTimeOffset startedAt, DateTimeOffset at, string? endTeam, string? sessionTeam) =>
        new(Guid.NewGuid(), tenant, agent, session, at, FeedEventKinds.SessionEnded, Actor: Actor.Supervisor("sam"), TeamId: endTeam,
            Session: new SessionRecord(session, agent, startedAt, at, EndReason.EndedBySupervisor, "sam", 0, 0, 60, 0, 0, null, sessionTeam));
}

public sealed class PostgresReportTeamTests(PostgresTarget target) : ReportTeamTests<PostgresTarget>(target);

public sealed class SqliteReportTeamTests(SqliteTarget target) : ReportTeamTests<SqliteTarget>(target);
