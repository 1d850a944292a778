using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.TestSupport;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// Reports by team (docs/architecture.md#reporting): a session keeps the team it started in, status changes and feed
/// events the team the agent was in when they happened, and the team filters select by those.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TeamReportTests(ClusterFixture fixture)
{
    private static readonly WorkSessionPreferences Tenant = new(true, false, InactivityTimeoutSeconds: 600, GracePeriodSeconds: 30);
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(30);

    private static TeamDefinition Team(string name) => new(name, null, ["sup-1"], new TeamPreferenceOverrides(null, null, null));

    [Fact]
    public async Task AgentMovedMidSession_SessionKeepsItsStartTeam_AndLaterStatusChangesCarryTheNewOne()
    {
        var tenant = await fixture.NewTenantAsync(Tenant);
        var day = fixture.Grains.GetTeamGrain(tenant, "day");
        var night = fixture.Grains.GetTeamGrain(tenant, "night");
        await day.Put(Team("Day"), null, "admin-1");
        await night.Put(Team("Night"), null, "admin-1");
        await day.ChangeMembers(["alice"], [], "admin-1");
        var alice = fixture.Agent(tenant, "alice");
        var from = fixture.Time.GetUtcNow().AddMinutes(-1);
        await alice.StartSession(AgentStatus.Ready, null);
        await alice.SetStatus(AgentStatus.NotReady, "break");

        await night.ChangeMembers(["alice"], [], "admin-2");
        await Eventually.UntilAsync(alice.GetSnapshot, view => view.TeamId == "night", Delivery, "alice to be in night");
        await fixture.AdvanceAsync(TimeSpan.FromMinutes(5));
        await alice.SetStatus(AgentStatus.Ready, null);
        var ended = await alice.EndSession(Actor.Supervisor("sam"), null);

        Assert.Equal("day", ended.TeamId);
        var range = ReportRange.Create(from, fixture.Time.GetUtcNow().AddMinutes(1));
        var reports = fixture.Grains.GetReportGrain(tenant);
        var history = await Eventually.UntilAsync(
            () => reports.GetStatusHistory(new StatusHistoryQuery("alice", range, null, 100)), page => page.Items.Count == 4, Delivery, "four status changes");
        Assert.Equal(
            [(AgentStatus.Offline, AgentStatus.Ready, "day"), (AgentStatus.Ready, AgentStatus.NotReady, "day"),
             (AgentStatus.NotReady, AgentStatus.Ready, "night"), (AgentStatus.Ready, AgentStatus.Offline, "night")],
            history.Items.Select(row => (row.From, row.To, row.TeamId)));
        var nightHistory = await reports.GetStatusHistory(new StatusHistoryQuery("alice", range, null, 100, ["night"]));
        Assert.Equal([AgentStatus.Ready, AgentStatus.Offline], nightHistory.Items.Select(row => row.To));

        var sessions = await Eventually.UntilAsync(
            () => reports.GetSessions(new SessionQuery(range, null, null, null, 10)), page => page.Items is [{ EndedAt: not null }], Delivery, "the ended session");
        Assert.Equal("day", sessions.Items.Single().TeamId);
        Assert.Single((await reports.GetSessions(new SessionQuery(range, null, null, null, 10, ["day", "other"]))).Items);
        Assert.Empty((await reports.GetSessions(new SessionQuery(range, null, null, null, 10, ["night"]))).Items);
        Assert.All((await reports.GetTimecards(new TimecardQuery(range, "UTC", null, null, 10, ["day"]))).Items, row => Assert.Equal("alice", row.AgentId));
        Assert.NotEmpty((await reports.GetTimecards(new TimecardQuery(range, "UTC", null, null, 10, ["day"]))).Items);
        Assert.Empty((await reports.GetTimecards(new TimecardQuery(range, "UTC", null, null, 10, ["night"]))).Items);
        Assert.Equal(1, (await reports.GetConcurrency(new ConcurrencyQuery(range, TimeSpan.FromHours(1), ["day"]))).Max(row => row.Peak));
        Assert.Equal(0, (await reports.GetConcurrency(new ConcurrencyQuery(range, TimeSpan.FromHours(1), ["night"]))).Max(row => row.Peak));

        var feed = await Eventually.UntilAsync(
            () => reports.GetEvents(0, 100), page => page.Items.Any(e => e.Kind == FeedEventKinds.SessionEnded), Delivery, "the session's end in the feed");
        var end = feed.Items.Single(e => e.Kind == FeedEventKinds.SessionEnded);
        Assert.Equal(("night", "day"), (end.TeamId, end.Session!.TeamId));
        Assert.Equal("day", feed.Items.Single(e => e.Kind == FeedEventKinds.SessionStarted).TeamId);
        // The day team's feed: its creation, alice joining and leaving, and what she did while in it; nothing of night's.
        // Team and agent events arrive through separate outboxes, so their positions may interleave either way.
        var dayFeed = await Eventually.UntilAsync(() => reports.GetEvents(0, 100, ["day"]), page => page.Items.Count >= 6, Delivery, "the day team's events");
        Assert.Equal(
            new[]
            {
                FeedEventKinds.TeamChanged, FeedEventKinds.AgentTeamChanged, FeedEventKinds.SessionStarted, FeedEventKinds.StatusChanged,
                FeedEventKinds.StatusChanged, FeedEventKinds.AgentTeamChanged,
            }.Order(StringComparer.Ordinal),
            dayFeed.Items.Select(e => e.Kind).Order(StringComparer.Ordinal));
        Assert.All(dayFeed.Items, e => Assert.True(e.TeamId == "day" || e.PreviousTeamId == "day", e.Kind));
        Assert.Empty((await reports.GetEvents(0, 100, [])).Items);
        var bad = await Assert.ThrowsAsync<WorkSessionException>(() => reports.GetEvents(0, 100, ["Not A Team"]));
        Assert.Equal(ErrorCodes.InvalidId, bad.Code);
    }
}
