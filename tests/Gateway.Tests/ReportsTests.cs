using System.Globalization;
using System.Net;
using System.Text.Json;
using CsvHelper;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.TestSupport;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// The report routes over HTTP, on a scripted day under the fake clock: what each report says to the second, CSV exports
/// parsed back into the JSON records, paging, tenant isolation, and the event feed as pages and as a resumable stream.
/// Reports fill asynchronously from the agents' outboxes, so every test first waits until what it scripted arrived.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed partial class ReportsTests(GatewayFixture fixture)
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(30);

    /// <summary>The events the scripted day records: one preference change, three starts, two ends and one status change.</summary>
    private const int ScriptedEvents = 12;

    private const string BobsNote = "shift over, \"early\"\nsee you";

    [Fact]
    public async Task SessionsReport_MatchesTheScript_ToTheSecond()
    {
        var day = await ScriptedDayAsync();

        var sessions = await SessionsAsync(day, "");

        Assert.Equal(["alice", "bob", "carol"], sessions.Select(s => s.AgentId));
        var (alice, bob, carol) = (sessions[0], sessions[1], sessions[2]);
        Assert.Equal((day.Start, day.Start.AddSeconds(90), EndReason.AgentEnded, "alice"), (alice.StartedAt, alice.EndedAt, alice.EndReason, alice.EndedBy));
        Assert.Equal((60.0, 30.0, 0.0), (alice.ReadySeconds, alice.NotReadySeconds, alice.OccupiedSeconds));
        Assert.Equal((day.Start.AddSeconds(30), day.Start.AddSeconds(100), EndReason.EndedBySupervisor, "sup-1", BobsNote),
            (bob.StartedAt, bob.EndedAt, bob.EndReason, bob.EndedBy, bob.Note));
        Assert.Equal(70.0, bob.ReadySeconds);
        // Open: no end, its time counted up to the silo's now.
        Assert.Equal((day.Start.AddSeconds(100), (DateTimeOffset?)null, (EndReason?)null), (carol.StartedAt, carol.EndedAt, carol.EndReason));
        Assert.Equal(5.0, carol.ReadySeconds);

        var supervisorEnds = await SessionsAsync(day, "&endReason=endedBySupervisor");
        Assert.Equal("bob", Assert.Single(supervisorEnds).AgentId);
        var alices = await SessionsAsync(day, "&agentId=alice");
        Assert.Equal(alice, Assert.Single(alices));
    }

    [Fact]
    public async Task SessionsReport_PagesByCursor_ThroughEverySession_Once()
    {
        var day = await ScriptedDayAsync();
        var all = await SessionsAsync(day, "");
        var paged = new List<SessionReportItem>();
        string? cursor = null;
        var pages = 0;

        do
        {
            var page = await Http.ReadAsync<ReportPage<SessionReportItem>>(
                await day.Supervisor.GetAsync($"{Paths.SessionsReport}?{day.Range}&limit=1{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}"),
                HttpStatusCode.OK);
            paged.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(all, paged);
        Assert.InRange(pages, 3, 4);
    }

    [Fact]
    public async Task TimecardsStatusHistoryAndConcurrency_MatchTheScript()
    {
        var day = await ScriptedDayAsync();

        // A day boundary may fall inside the script, so the seconds are summed over each agent's rows.
        var timecards = await Http.ReadAsync<ReportPage<TimecardRow>>(
            await day.Supervisor.GetAsync($"{Paths.Timecards}?{day.Range}&timeZone=Europe/Berlin"), HttpStatusCode.OK);
        var byAgent = timecards.Items.GroupBy(row => row.AgentId).ToDictionary(rows => rows.Key, rows => rows.ToList());
        Assert.Equal(["alice", "bob", "carol"], byAgent.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((60.0, 30.0, 90.0), (byAgent["alice"].Sum(r => r.ReadySeconds), byAgent["alice"].Sum(r => r.NotReadySeconds), byAgent["alice"].Sum(r => r.SessionSeconds)));
        Assert.Equal(30.0, byAgent["alice"].Sum(r => r.NotReadyByReason.GetValueOrDefault("lunch")));
        Assert.Equal(70.0, byAgent["bob"].Sum(r => r.ReadySeconds));
        Assert.Equal(5.0, byAgent["carol"].Sum(r => r.ReadySeconds));

        var history = await Http.ReadAsync<ReportPage<StatusHistoryItem>>(
            await day.Supervisor.GetAsync($"{Paths.StatusHistory("alice")}?{day.Range}"), HttpStatusCode.OK);
        Assert.Equal(
            [
                (day.Start, AgentStatus.Offline, AgentStatus.Ready, (string?)null, Actor.Agent("alice")),
                (day.Start.AddSeconds(60), AgentStatus.Ready, AgentStatus.NotReady, "lunch", Actor.Agent("alice")),
                (day.Start.AddSeconds(90), AgentStatus.NotReady, AgentStatus.Offline, null, Actor.Agent("alice")),
            ],
            history.Items.Select(item => (item.At, item.From, item.To, item.Reason, item.Actor)));
        var bobs = await Http.ReadAsync<ReportPage<StatusHistoryItem>>(
            await day.Supervisor.GetAsync($"{Paths.StatusHistory("bob")}?{day.Range}"), HttpStatusCode.OK);
        Assert.Equal(Actor.Supervisor("sup-1"), bobs.Items[^1].Actor);

        // Minute one: alice all of it, bob its second half.
        var concurrency = await Http.ReadAsync<ReportPage<ConcurrencyRow>>(
            await day.Supervisor.GetAsync($"{Paths.Concurrency}?{Paths.Range(day.Start, day.Start.AddMinutes(2))}&interval=PT1M"), HttpStatusCode.OK);
        Assert.Equal([day.Start, day.Start.AddMinutes(1)], concurrency.Items.Select(row => row.Start));
        Assert.Equal((2, 1.5), (concurrency.Items[0].Peak, concurrency.Items[0].Average));
        Assert.Equal(2, concurrency.Items[1].Peak);
        Assert.Null(concurrency.NextCursor);
    }

    [Fact]
    public async Task CsvExports_ParseBackIntoTheJsonRecords()
    {
        var day = await ScriptedDayAsync();

        var sessionsJson = await SessionsAsync(day, "");
        var sessionsCsv = await ExportAsync(day.Supervisor, $"{Paths.SessionsReport}?{day.Range}&format=csv", "work-sessions.csv",
            ["sessionId", "agentId", "startedAt", "endedAt", "endReason", "endedBy", "promptCount", "continueCount", "readySeconds", "notReadySeconds", "occupiedSeconds", "note", "teamId"],
            row => new SessionReportItem(
                Guid.Parse(row.GetString("sessionId")), row.GetString("agentId"), Time(row.GetString("startedAt")), OptionalTime(row.GetString("endedAt")),
                Optional(row.GetString("endReason")) is { } reason ? Enum<EndReason>(reason) : null, Optional(row.GetString("endedBy")),
                Int(row.GetString("promptCount")), Int(row.GetString("continueCount")), Double(row.GetString("readySeconds")),
                Double(row.GetString("notReadySeconds")), Double(row.GetString("occupiedSeconds")), Optional(row.GetString("note")),
                Optional(row.GetString("teamId"))));
        Assert.Equal(sessionsJson, sessionsCsv);
        Assert.Contains(sessionsCsv, session => session.Note == BobsNote);

        var timecardsJson = (await Http.ReadAsync<ReportPage<TimecardRow>>(
            await day.Supervisor.GetAsync($"{Paths.Timecards}?{day.Range}&timeZone=America/New_York"), HttpStatusCode.OK)).Items;
        var timecardsCsv = await ExportAsync(day.Supervisor, $"{Paths.Timecards}?{day.Range}&timeZone=America/New_York&format=csv", "timecards.csv",
            ["agentId", "date", "sessions", "sessionSeconds", "readySeconds", "notReadySeconds", "notReadyByReason", "occupiedSeconds", "prompts", "continues", "autoEnds"],
            row => new TimecardRow(
                row.GetString("agentId"), DateOnly.ParseExact(row.GetString("date"), "yyyy-MM-dd", CultureInfo.InvariantCulture), Int(row.GetString("sessions")),
                Double(row.GetString("sessionSeconds")), Double(row.GetString("readySeconds")), Double(row.GetString("notReadySeconds")),
                JsonSerializer.Deserialize<Dictionary<string, double>>(row.GetString("notReadyByReason"))!, Double(row.GetString("occupiedSeconds")),
                Int(row.GetString("prompts")), Int(row.GetString("continues")), Int(row.GetString("autoEnds"))));
        Assert.Equivalent(timecardsJson, timecardsCsv, strict: true);
        Assert.Equal(timecardsJson.Count, timecardsCsv.Count);

        var historyJson = (await Http.ReadAsync<ReportPage<StatusHistoryItem>>(
            await day.Supervisor.GetAsync($"{Paths.StatusHistory("bob")}?{day.Range}"), HttpStatusCode.OK)).Items;
        var historyCsv = await ExportAsync(day.Supervisor, $"{Paths.StatusHistory("bob")}?{day.Range}&format=csv", "status-history-bob.csv",
            ["eventId", "at", "sessionId", "from", "to", "reason", "actorRole", "actorUserId", "teamId"],
            row => new StatusHistoryItem(
                Guid.Parse(row.GetString("eventId")), Time(row.GetString("at")), Optional(row.GetString("sessionId")) is { } id ? Guid.Parse(id) : null,
                Enum<AgentStatus>(row.GetString("from")), Enum<AgentStatus>(row.GetString("to")), Optional(row.GetString("reason")),
                new Actor(Enum<ActorRole>(row.GetString("actorRole")), Optional(row.GetString("actorUserId"))), Optional(row.GetString("teamId"))));
        Assert.Equal(historyJson, historyCsv);
        Assert.Equal(2, historyCsv.Count);
    }

    [Fact]
    public async Task PreferenceHistory_ListsEveryChange_NewestFirst()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true, autoEnd: false, timeout: 600, grace: 60);
        await tenant.SetPreferencesAsync(enabled: true, autoEnd: true, timeout: 300, grace: 45);

        var history = await Eventually.UntilAsync(
            async () => await Http.ReadAsync<ReportPage<PreferenceChange>>(await tenant.Admin().GetAsync(Paths.PreferenceHistory), HttpStatusCode.OK),
            page => page.Items.Count >= 2, Delivery, "both preference changes");

        Assert.Equal(
            [(2L, "admin-1", true, true, 300, 45), (1L, "admin-1", true, false, 600, 60)],
            history.Items.Select(c => (c.Version, c.UpdatedBy, c.WorkSessionsEnabled, c.AutoEndEnabled, c.InactivityTimeoutSeconds, c.GracePeriodSeconds)));
        var first = await Http.ReadAsync<ReportPage<PreferenceChange>>(await tenant.Admin().GetAsync(Paths.PreferenceHistory + "?limit=1"), HttpStatusCode.OK);
        var second = await Http.ReadAsync<ReportPage<PreferenceChange>>(
            await tenant.Admin().GetAsync($"{Paths.PreferenceHistory}?limit=1&cursor={Uri.EscapeDataString(first.NextCursor!)}"), HttpStatusCode.OK);
        Assert.Equal(history.Items, [.. first.Items, .. second.Items]);
    }

    [Fact]
    public async Task AnotherTenant_SeesNothingOfThisTenant()
    {
        var day = await ScriptedDayAsync();
        var stranger = fixture.NewTenant();
        var supervisor = stranger.Supervisor();

        Assert.Empty((await Http.ReadAsync<ReportPage<SessionReportItem>>(await supervisor.GetAsync($"{Paths.SessionsReport}?{day.Range}"), HttpStatusCode.OK)).Items);
        Assert.Empty((await Http.ReadAsync<ReportPage<TimecardRow>>(await supervisor.GetAsync($"{Paths.Timecards}?{day.Range}"), HttpStatusCode.OK)).Items);
        Assert.Empty((await Http.ReadAsync<ReportPage<StatusHistoryItem>>(await supervisor.GetAsync($"{Paths.StatusHistory("alice")}?{day.Range}"), HttpStatusCode.OK)).Items);
        Assert.All((await Http.ReadAsync<ReportPage<ConcurrencyRow>>(await supervisor.GetAsync($"{Paths.Concurrency}?{day.Range}"), HttpStatusCode.OK)).Items,
            row => Assert.Equal((0, 0.0), (row.Peak, row.Average)));
        Assert.Empty((await Http.ReadAsync<ReportPage<FeedEvent>>(await supervisor.GetAsync(Paths.Feed), HttpStatusCode.OK)).Items);
        Assert.Empty((await Http.ReadAsync<ReportPage<PreferenceChange>>(await stranger.Admin().GetAsync(Paths.PreferenceHistory), HttpStatusCode.OK)).Items);
        var export = await supervisor.GetAsync($"{Paths.SessionsReport}?{day.Range}&format=csv");
        Assert.Single((await export.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Feed_JsonPages_ChainByNextCursor_InPositionOrder()
    {
        var day = await ScriptedDayAsync();
        var all = await FeedAsync(day.Supervisor, ScriptedEvents);
        var paged = new List<FeedEvent>();
        var after = "0";

        for (var pages = 0; after is not null && pages < 20; pages++)
        {
            var page = await Http.ReadAsync<ReportPage<FeedEvent>>(await day.Supervisor.GetAsync($"{Paths.Feed}?after={after}&limit=5"), HttpStatusCode.OK);
            paged.AddRange(page.Items);
            after = page.NextCursor;
        }

        Assert.Equal(all, paged);
        Assert.Equal(ScriptedEvents, all.Count);
        Assert.True(all.Zip(all.Skip(1)).All(pair => pair.First.Position < pair.Second.Position), "positions only grow");
        Assert.Equal(FeedEventKinds.PreferencesChanged, all[0].Kind);
        Assert.Equal(
            [FeedEventKinds.SessionStarted, FeedEventKinds.StatusChanged, FeedEventKinds.StatusChanged, FeedEventKinds.SessionEnded, FeedEventKinds.StatusChanged],
            all.Where(e => e.AgentId == "alice").Select(e => e.Kind));
        Assert.Equal(BobsNote, all.Single(e => e.Kind == FeedEventKinds.SessionEnded && e.AgentId == "bob").Session!.Note);
        var middle = await Http.ReadAsync<ReportPage<FeedEvent>>(await day.Supervisor.GetAsync($"{Paths.Feed}?after={all[3].Position}&limit=2"), HttpStatusCode.OK);
        Assert.Equal(all.Skip(4).Take(2), middle.Items);
    }

    [Fact]
    public async Task Feed_Stream_ResumesWithLastEventId_WithEveryEventAfterIt_AndNoneTwice()
    {
        var day = await ScriptedDayAsync();
        var all = await FeedAsync(day.Supervisor, ScriptedEvents);

        // Read the first five, then drop the connection.
        string lastId;
        await using (var first = await OpenFeedAsync(day.Supervisor, Paths.Feed + "?after=0"))
        {
            var received = new List<FeedEvent>();
            for (var i = 0; i < 5; i++)
            {
                var next = await first.NextAsync();
                Assert.Equal((next.Id, next.Name), (next.As<FeedEvent>().Position.ToString(CultureInfo.InvariantCulture), next.As<FeedEvent>().Kind));
                received.Add(next.As<FeedEvent>());
            }

            Assert.Equal(all.Take(5), received);
            lastId = received[^1].Position.ToString(CultureInfo.InvariantCulture);
        }

        // While disconnected, dave starts.
        await Http.AssertStatusAsync(await day.Tenant.Agent("dave").PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        all = await FeedAsync(day.Supervisor, ScriptedEvents + 2);

        // Reconnect as EventSource does: the original URL (after=0) and the last id seen, which wins.
        await using var second = await OpenFeedAsync(day.Supervisor, Paths.Feed + "?after=0", lastId);
        var resumed = new List<FeedEvent>();
        for (var i = 5; i < all.Count; i++)
        {
            var next = await second.NextAsync();
            Assert.Equal(next.As<FeedEvent>().Position.ToString(CultureInfo.InvariantCulture), next.Id);
            resumed.Add(next.As<FeedEvent>());
        }

        Assert.Equal(all.Skip(5), resumed);

        // Live: the next event on the stream is the next one recorded, so nothing was repeated or skipped meanwhile.
        await tenantPreferencesChangeAsync(day.Tenant);
        var latest = (await FeedAsync(day.Supervisor, all.Count + 1))[^1];
        var live = await second.NextAsync();
        Assert.Equal((latest.Position.ToString(CultureInfo.InvariantCulture), FeedEventKinds.PreferencesChanged), (live.Id, live.Name));
        Assert.Equal(latest, live.As<FeedEvent>());

        static Task tenantPreferencesChangeAsync(TestTenant tenant) => tenant.SetPreferencesAsync(enabled: true, autoEnd: false, timeout: 900, grace: 60);
    }

    [Fact]
    public async Task Feed_Stream_WithoutAPosition_StartsAtTheLiveEnd()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var supervisor = tenant.Supervisor();
        var before = await FeedAsync(supervisor, 1);

        await using var stream = await OpenFeedAsync(supervisor, Paths.Feed);
        await Http.AssertStatusAsync(await tenant.Agent("erin").PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);

        var first = await stream.NextAsync();
        var after = await FeedAsync(supervisor, 3);
        Assert.Equal(FeedEventKinds.SessionStarted, first.Name);
        Assert.Equal(before, after.Take(1));
        Assert.Equal(after[1], first.As<FeedEvent>());
    }

    [Fact]
    public async Task Feed_Stream_EndsAtTheTokensExpiry()
    {
        var tenant = fixture.NewTenant();
        var shortLived = new ApiClient(fixture.Http, fixture.Tokens.Issue(tenant.Id, "sup-short", ["supervisor"], TimeSpan.FromSeconds(3)));

        await using var stream = await OpenFeedAsync(shortLived, Paths.Feed);

        var closed = await stream.NextAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(("stream-closed", "token-expired"), (closed.Name, (string?)closed.Json["reason"]));
    }

    /// <summary>
    /// A fresh tenant's day on the fake clock: alice [0 s, 90 s) ready then not ready (lunch) from 60 s, ends it herself;
    /// bob [30 s, 100 s) ready, ended by a supervisor with a note that needs CSV quoting; carol from 100 s, still open
    /// at 105 s. Returns once every record has been delivered.
    /// </summary>
    private async Task<ScriptedDay> ScriptedDayAsync()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var start = fixture.Time.GetUtcNow();
        var supervisor = tenant.Supervisor();

        await Http.AssertStatusAsync(await tenant.Agent("alice").PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30));
        await Http.AssertStatusAsync(await tenant.Agent("bob").PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30));
        await Http.AssertStatusAsync(await tenant.Agent("alice").PutAsync(Paths.MyStatus, new { status = "notReady", reason = "lunch" }), HttpStatusCode.OK);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30));
        await Http.AssertStatusAsync(await tenant.Agent("alice").DeleteAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(10));
        await Http.AssertStatusAsync(await supervisor.PostAsync(Paths.EndAgent("bob"), new { note = BobsNote }), HttpStatusCode.OK);
        await Http.AssertStatusAsync(await tenant.Agent("carol").PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(5));

        var day = new ScriptedDay(tenant, supervisor, start, Paths.Range(start.AddHours(-1), start.AddHours(1)));
        await FeedAsync(supervisor, ScriptedEvents);
        await Eventually.UntilAsync(
            () => SessionsAsync(day, ""), sessions => sessions.Count(s => s.EndedAt is not null) == 2, Delivery, "both ended sessions in the report");
        return day;
    }

    private static async Task<List<SessionReportItem>> SessionsAsync(ScriptedDay day, string filters) =>
        [.. (await Http.ReadAsync<ReportPage<SessionReportItem>>(await day.Supervisor.GetAsync($"{Paths.SessionsReport}?{day.Range}{filters}"), HttpStatusCode.OK)).Items];

    /// <summary>The tenant's whole feed once it holds at least <paramref name="count"/> events.</summary>
    private static async Task<List<FeedEvent>> FeedAsync(ApiClient supervisor, int count) =>
        [.. (await Eventually.UntilAsync(
            async () => await Http.ReadAsync<ReportPage<FeedEvent>>(await supervisor.GetAsync(Paths.Feed + "?limit=1000"), HttpStatusCode.OK),
            page => page.Items.Count >= count, Delivery, $"{count} events in the feed")).Items];

    private static Task<EventStream> OpenFeedAsync(ApiClient caller, string path, string? lastEventId = null) =>
        EventStream.OpenAsync(caller, path, request =>
        {
            request.Headers.Accept.ParseAdd("text/event-stream");
            if (lastEventId is not null)
            {
                request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
            }
        });

    /// <summary>Downloads a CSV export and reads it back with CsvHelper: the header, then one record per row.</summary>
    private static async Task<List<T>> ExportAsync<T>(ApiClient caller, string path, string fileName, string[] header, Func<CsvReader, T> read)
    {
        using var response = await caller.SendAsync(HttpMethod.Get, path, configure: request => request.Headers.Accept.ParseAdd("text/csv"),
            completion: HttpCompletionOption.ResponseHeadersRead);
        await Http.AssertStatusAsync(response, HttpStatusCode.OK);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(("attachment", fileName), (response.Content.Headers.ContentDisposition?.DispositionType, response.Content.Headers.ContentDisposition?.FileName?.Trim('"')));

        await using var body = await response.Content.ReadAsStreamAsync();
        using var csv = CsvReader.Create(body, new CsvReaderOptions { Separator = ',', DetectSeparatorHint = false, HasHeader = true }, false);
        var rows = new List<T>();
        while (await csv.ReadAsync(CancellationToken.None))
        {
            rows.Add(read(csv));
        }

        Assert.Equal(header, csv.Headers);
        return rows;
    }

    private static string? Optional(string value) => value.Length == 0 ? null : value;

    private static DateTimeOffset Time(string value)
    {
        Assert.EndsWith("Z", value, StringComparison.Ordinal);
        return DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
    }

    private static DateTimeOffset? OptionalTime(string value) => value.Length == 0 ? null : Time(value);

    private static int Int(string value) => int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);

    private static double Double(string value) => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static TEnum Enum<TEnum>(string value) where TEnum : struct, Enum =>
        System.Enum.GetValues<TEnum>().Single(candidate => JsonNamingPolicy.CamelCase.ConvertName(candidate.ToString()) == value);

    private sealed record ScriptedDay(TestTenant Tenant, ApiClient Supervisor, DateTimeOffset Start, string Range);
}
