using System.Globalization;
using System.Net;
using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.TestSupport;

namespace WorkSessions.Gateway.Tests;

/// <summary>The feed's JSON pages from a time (<c>since</c>): one request finds where the recent feed starts.</summary>
public sealed partial class ReportsTests
{
    [Fact]
    public async Task Feed_Since_StartsAtTheFirstEventAtOrAfterTheTime_AndPagesOnWithTheSameSince()
    {
        var day = await ScriptedDayAsync();
        var all = await FeedAsync(day.Supervisor, ScriptedEvents);
        // Alice's not-ready, 60 s into the day: exactly at the time counts.
        var since = day.Start.AddSeconds(60);
        var expected = all.Where(e => e.At >= since).ToList();
        Assert.InRange(expected.Count, 3, all.Count - 3);
        Assert.Equal(since, expected[0].At);

        var paged = new List<FeedEvent>();
        string? after = null;
        for (var pages = 0; pages == 0 || (after is not null && pages < 20); pages++)
        {
            var query = $"?since={Iso(since)}&limit=2" + (after is null ? "" : $"&after={after}");
            var page = await Http.ReadAsync<ReportPage<FeedEvent>>(await day.Supervisor.GetAsync(Paths.Feed + query), HttpStatusCode.OK);
            paged.AddRange(page.Items);
            after = page.NextCursor;
        }

        Assert.Equal(expected, paged);

        // The same instant with another offset (an encoded '+', and one sent unencoded, which arrives as a space).
        var withOffset = since.ToOffset(TimeSpan.FromHours(1)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture);
        foreach (var sent in new[] { withOffset + "%2B01:00", withOffset + "+01:00" })
        {
            var page = await Http.ReadAsync<ReportPage<FeedEvent>>(await day.Supervisor.GetAsync($"{Paths.Feed}?since={sent}&limit=1000"), HttpStatusCode.OK);
            Assert.Equal(expected, page.Items);
        }

        // A second later leaves that event out; after the last event, nothing; long before, everything.
        var later = await Http.ReadAsync<ReportPage<FeedEvent>>(
            await day.Supervisor.GetAsync($"{Paths.Feed}?since={Iso(since.AddSeconds(1))}&limit=1000"), HttpStatusCode.OK);
        Assert.Equal(expected.Where(e => e.At > since), later.Items);
        Assert.Empty((await Http.ReadAsync<ReportPage<FeedEvent>>(
            await day.Supervisor.GetAsync($"{Paths.Feed}?since={Iso(all[^1].At.AddSeconds(1))}"), HttpStatusCode.OK)).Items);
        Assert.Equal(all, (await Http.ReadAsync<ReportPage<FeedEvent>>(
            await day.Supervisor.GetAsync($"{Paths.Feed}?since={Iso(day.Start.AddDays(-1))}&limit=1000"), HttpStatusCode.OK)).Items);

        // With after too, both hold.
        var both = await Http.ReadAsync<ReportPage<FeedEvent>>(
            await day.Supervisor.GetAsync($"{Paths.Feed}?after={expected[1].Position}&since={Iso(since)}&limit=1000"), HttpStatusCode.OK);
        Assert.Equal(expected.Skip(2), both.Items);
    }

    [Fact]
    public async Task Feed_StreamWithSince_Is400InvalidArgument_BeforeTheStreamStarts()
    {
        var supervisor = fixture.NewTenant().Supervisor();

        var response = await supervisor.SendAsync(HttpMethod.Get, $"{Paths.Feed}?since=2026-12-01T08:00:00Z",
            configure: request => request.Headers.Accept.ParseAdd("text/event-stream"));

        await Http.AssertProblemAsync(response, HttpStatusCode.BadRequest, ErrorCodes.InvalidArgument);
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
