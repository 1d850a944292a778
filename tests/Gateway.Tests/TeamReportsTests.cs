using System.Globalization;
using System.Net;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.TestSupport;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// Reports by team over HTTP (docs/http-api.md#reports): the <c>teamId</c> of sessions, status changes and feed events,
/// the <c>teamId</c> filter of the sessions, timecards and concurrency reports, their CSV and the feed, and a team id
/// that cannot be one refused with <c>invalid_id</c>.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class TeamReportsTests(GatewayFixture fixture)
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TeamFilter_SelectsTheSessionsThatStartedInTheTeam_InJsonCsvTimecardsConcurrencyAndTheFeed()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var grains = fixture.Services.GetRequiredService<IGrainFactory>();
        foreach (var team in new[] { "day", "night" })
        {
            await grains.GetTeamGrain(tenant.Id, team).Put(new TeamDefinition(team, null, [], new TeamPreferenceOverrides()), null, "admin-1");
        }

        await grains.GetTeamGrain(tenant.Id, "day").ChangeMembers(["alice"], [], "admin-1");
        await grains.GetTeamGrain(tenant.Id, "night").ChangeMembers(["bob"], [], "admin-1");
        var start = fixture.Time.GetUtcNow();
        Assert.Equal("night", (await grains.GetAgentGrain(tenant.Id, "bob").GetSnapshot()).TeamId);
        foreach (var agent in new[] { "alice", "bob", "carol" })
        {
            await Http.AssertStatusAsync(await tenant.Agent(agent).PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        }

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30));
        await Http.AssertStatusAsync(await tenant.Agent("alice").DeleteAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        var supervisor = tenant.Supervisor();
        var range = Paths.Range(start.AddHours(-1), start.AddHours(1));

        var all = await Eventually.UntilAsync(
            async () => (await Http.ReadAsync<ReportPage<SessionReportItem>>(await supervisor.GetAsync($"{Paths.SessionsReport}?{range}"), HttpStatusCode.OK)).Items,
            items => items.Count == 3 && items.Any(s => s.EndedAt is not null), Delivery, "three sessions, alice's ended");
        Assert.Equal([("alice", "day"), ("bob", "night"), ("carol", null)], all.OrderBy(s => s.AgentId).Select(s => (s.AgentId, s.TeamId)));

        var day = await Http.ReadAsync<ReportPage<SessionReportItem>>(await supervisor.GetAsync($"{Paths.SessionsReport}?{range}&teamId=day"), HttpStatusCode.OK);
        Assert.Equal("alice", Assert.Single(day.Items).AgentId);
        var csv = await CsvAsync(supervisor, $"{Paths.SessionsReport}?{range}&teamId=night&format=csv");
        Assert.Equal([("bob", "night")], csv.Select(row => (row["agentId"], row["teamId"])));
        var timecards = await Http.ReadAsync<ReportPage<TimecardRow>>(await supervisor.GetAsync($"{Paths.Timecards}?{range}&teamId=night"), HttpStatusCode.OK);
        Assert.Equal(["bob"], timecards.Items.Select(row => row.AgentId).Distinct());
        var timecardsCsv = await CsvAsync(supervisor, $"{Paths.Timecards}?{range}&teamId=day&format=csv");
        Assert.Equal(["alice"], timecardsCsv.Select(row => row["agentId"]).Distinct());
        var concurrency = await Http.ReadAsync<ReportPage<ConcurrencyRow>>(
            await supervisor.GetAsync($"{Paths.Concurrency}?{Paths.Range(start, start.AddMinutes(1))}&interval=PT1M&teamId=night"), HttpStatusCode.OK);
        Assert.Equal(1, Assert.Single(concurrency.Items).Peak);
        var everyone = await Http.ReadAsync<ReportPage<ConcurrencyRow>>(
            await supervisor.GetAsync($"{Paths.Concurrency}?{Paths.Range(start, start.AddMinutes(1))}&interval=PT1M"), HttpStatusCode.OK);
        Assert.Equal(3, Assert.Single(everyone.Items).Peak);

        var history = await Http.ReadAsync<ReportPage<StatusHistoryItem>>(await supervisor.GetAsync($"{Paths.StatusHistory("alice")}?{range}"), HttpStatusCode.OK);
        Assert.All(history.Items, row => Assert.Equal("day", row.TeamId));
        var feed = await Eventually.UntilAsync(
            async () => (await Http.ReadAsync<ReportPage<FeedEvent>>(await supervisor.GetAsync($"{Paths.Feed}?teamId=day&limit=1000"), HttpStatusCode.OK)).Items,
            items => items.Any(e => e.Kind == FeedEventKinds.SessionEnded), Delivery, "alice's end in day's feed");
        Assert.All(feed, e => Assert.Equal("day", e.TeamId));
        Assert.DoesNotContain(feed, e => e.AgentId is "bob" or "carol");
    }

    [Theory]
    [InlineData("Day")]
    [InlineData("")]
    [InlineData("-day")]
    [InlineData("day/night")]
    public async Task TeamFilter_ThatCannotBeATeamId_IsInvalidId_OnEveryReportAndTheFeed(string teamId)
    {
        var tenant = fixture.NewTenant();
        var supervisor = tenant.Supervisor();
        var start = fixture.Time.GetUtcNow();
        var range = Paths.Range(start.AddHours(-1), start);
        var team = Uri.EscapeDataString(teamId);

        foreach (var path in new[]
        {
            $"{Paths.SessionsReport}?{range}&teamId={team}",
            $"{Paths.SessionsReport}?{range}&teamId={team}&format=csv",
            $"{Paths.Timecards}?{range}&teamId={team}",
            $"{Paths.Timecards}?{range}&teamId={team}&format=csv",
            $"{Paths.Concurrency}?{range}&teamId={team}",
            $"{Paths.Feed}?teamId={team}",
        })
        {
            await Http.AssertProblemAsync(await supervisor.GetAsync(path), HttpStatusCode.BadRequest, ErrorCodes.InvalidId);
        }
    }

    [Fact]
    public async Task TeamFilter_OfATeamWithNoSessions_IsAnEmptyReport()
    {
        var tenant = fixture.NewTenant();
        var start = fixture.Time.GetUtcNow();
        var page = await Http.ReadAsync<ReportPage<SessionReportItem>>(
            await tenant.Supervisor().GetAsync($"{Paths.SessionsReport}?{Paths.Range(start.AddHours(-1), start)}&teamId=nobody"), HttpStatusCode.OK);
        Assert.Empty(page.Items);
    }

    private static async Task<List<Dictionary<string, string?>>> CsvAsync(ApiClient caller, string path)
    {
        using var response = await caller.SendAsync(HttpMethod.Get, path, configure: request => request.Headers.Accept.ParseAdd("text/csv"));
        await Http.AssertStatusAsync(response, HttpStatusCode.OK);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var csv = CsvReader.Create(body, new CsvReaderOptions { Separator = ',', DetectSeparatorHint = false, HasHeader = true }, false);
        var rows = new List<Dictionary<string, string?>>();
        while (await csv.ReadAsync(CancellationToken.None))
        {
            rows.Add(csv.Headers.ToDictionary(header => header, header => csv.GetString(header) is { Length: > 0 } value ? value : null));
        }

        return rows;
    }
}
