using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace WorkSessions.Storage.Tests;

/// <summary>
/// The report tables' SQL lives in one file per statement and dialect (src/Storage/Queries): both dialects
/// provide every statement, no file goes unused, and the files make the statements the report store has always run.
/// </summary>
public sealed partial class ReportQueriesTests
{
    public static TheoryData<string> Dialects => new() { "sqlite", "postgres" };

    [Theory]
    [MemberData(nameof(Dialects))]
    public void EveryQueryName_HasAFileInTheDialect_AndEveryFileIsAQuery(string dialect)
    {
        Assert.Equal(ReportQueries.Names.Order(StringComparer.Ordinal), ReportQueries.EmbeddedNames(dialect));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite, "sqlite")]
    [InlineData(StorageProvider.Postgres, "postgres")]
    public void TheSetOfADatabaseKind_ReadsItsOwnFolder_AndEveryStatementBesidesTheBatchLocksHasText(StorageProvider provider, string dialect)
    {
        var queries = ReportQueries.For(provider);

        Assert.Equal(dialect, queries.Dialect);
        Assert.Same(queries, ReportQueries.For(provider));
        foreach (var statement in new[]
        {
            queries.InsertEvents, queries.InsertStartedSessions, queries.UpsertEndedSessions, queries.SessionsStarted,
            queries.SessionsOverlapping, queries.AgentsWithSessions, queries.OpenSessions, queries.SessionSpans, queries.Events,
            queries.LatestPosition, queries.PurgeEvents, queries.PurgeSessions,
        })
        {
            Assert.False(statement.IsEmpty, statement.Name);
        }
    }

    [Fact]
    public void TheBatchLocks_ArePostgresStatements_AndNothingOnSqlite()
    {
        Assert.True(ReportQueries.For(StorageProvider.Sqlite).BatchBegin.IsEmpty);
        Assert.True(ReportQueries.For(StorageProvider.Sqlite).BatchLockTenant.IsEmpty);
        using var connection = new SqliteConnection();
        var postgres = ReportQueries.For(StorageProvider.Postgres);
        Assert.Equal(
            "SET LOCAL lock_timeout = '5s'; SET LOCAL idle_in_transaction_session_timeout = '30s'",
            Flat(postgres.BatchBegin.Command(connection, null).Text));
        Assert.Equal("SELECT pg_advisory_xact_lock(hashtextextended(@tenant, 7))", Flat(postgres.BatchLockTenant.Command(connection, null).Text));
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void TheEventsQuery_KeepsTheLinesOfTheBoundFilters_AndExpandsTheSessionList(string dialect)
    {
        var events = ReportQueries.For(Provider(dialect)).Events;
        using var connection = new SqliteConnection();
        const string Select = "SELECT position, event_id, agent_id, session_id, at_ticks, kind, from_status, to_status, reason, actor_role, "
            + "actor_id, note, details, team_id, previous_team_id FROM ws_events WHERE tenant_id = @tenant";

        Assert.Equal(Select + " ORDER BY position LIMIT @limit", Flat(events.Command(connection, null).Add("tenant", "t").Add("limit", 5).Text));
        Assert.Equal(
            Select + " AND agent_id = @agent AND at_ticks < @to AND session_id IN (@sessions0, @sessions1) AND position < @before "
            + "ORDER BY position DESC LIMIT @limit",
            Flat(events.Command(connection, null).Add("tenant", "t").AddIfSet("agent", "a").AddIfSet("kind", null).AddIfSet("to", 1L)
                .AddList("sessions", ["s1", "s2"]).AddIfSet("before", 9L).Flag("descending").Add("limit", 5).Text));
        Assert.Equal(
            Select + " AND (team_id IN (@teams0, @teams1) OR previous_team_id IN (@teams0, @teams1)) ORDER BY position LIMIT @limit",
            Flat(events.Command(connection, null).Add("tenant", "t").AddListIfSet("teams", ["a", "b", "a"]).Add("limit", 5).Text));
        Assert.Equal(
            Select + " ORDER BY position LIMIT @limit",
            Flat(events.Command(connection, null).Add("tenant", "t").AddListIfSet("teams", null).Add("limit", 5).Text));
        Assert.Equal(
            Select + " AND session_id IN (NULL) ORDER BY position LIMIT @limit",
            Flat(events.Command(connection, null).Add("tenant", "t").AddList("sessions", []).Flag("descending", false).Add("limit", 5).Text));
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void AMultiRowInsert_HasOneTuplePerRow(string dialect)
    {
        var insert = ReportQueries.For(Provider(dialect)).InsertStartedSessions;
        using var connection = new SqliteConnection();

        var command = insert.Command(connection, null).AddRow("s1", "t", "a", 1L, "day").AddRow("s2", "t", "b", 2L, null);

        Assert.Equal(
            "INSERT INTO ws_sessions (session_id, tenant_id, agent_id, started_at_ticks, team_id) VALUES (@r0_0, @r0_1, @r0_2, @r0_3, @r0_4), "
            + "(@r1_0, @r1_1, @r1_2, @r1_3, @r1_4) ON CONFLICT (session_id) DO NOTHING",
            Flat(command.Text));
    }

    [Fact]
    public void ALineMarkedUnlessAFlag_IsDroppedWhenTheFlagIsSet_AndCommentLinesAreDropped()
    {
        var query = ReportQuery.Parse("test", "-- a comment\nSELECT 1\nWHERE a = @a -- when @a\nORDER BY x -- unless desc\nORDER BY x DESC -- when desc\n");
        using var connection = new SqliteConnection();

        Assert.Equal("SELECT 1 ORDER BY x", Flat(query.Command(connection, null).Text));
        Assert.Equal("SELECT 1 WHERE a = @a ORDER BY x DESC", Flat(query.Command(connection, null).Add("a", 1).Flag("desc").Text));
    }

    private static StorageProvider Provider(string dialect) => dialect == "postgres" ? StorageProvider.Postgres : StorageProvider.Sqlite;

    private static string Flat(string sql) => Whitespace().Replace(sql, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
