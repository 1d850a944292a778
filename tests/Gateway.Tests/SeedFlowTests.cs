using System.Net;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Apis;

namespace WorkSessions.Gateway.Tests;

/// <summary>The README's walkthrough, over HTTP: admin, agent, fake time, supervisor.</summary>
[Collection(GatewayCollection.Name)]
public sealed class SeedFlowTests(GatewayFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SeedFlow_EndToEnd()
    {
        var tenant = fixture.NewTenant();
        var alice = tenant.Agent("alice");
        var supervisor = tenant.Supervisor("sup-7");

        // The admin turns work sessions and auto-end on.
        var preferences = await tenant.SetPreferencesAsync(enabled: true, autoEnd: true, timeout: 60, grace: 30);
        Assert.Equal((true, true, 60, 30, 1L, "admin-1"), (preferences.WorkSessionsEnabled, preferences.AutoEndEnabled,
            preferences.InactivityTimeoutSeconds, preferences.GracePeriodSeconds, preferences.Version, preferences.UpdatedBy));

        // The agent starts (201), starts again (200, the same session) and sends a heartbeat (204).
        var startedAt = fixture.Time.GetUtcNow();
        var startResponse = await alice.PostAsync(Paths.MyWorkSession, new { });
        var started = await Http.ReadAsync<AgentView>(startResponse, HttpStatusCode.Created);
        Assert.Equal("/api/v1/me/work-session", startResponse.Headers.Location?.OriginalString);
        Assert.Equal((SessionState.Active, AgentStatus.Ready, "alice"), (started.State, started.Status, started.AgentId));
        Assert.Equal(startedAt, started.Session!.StartedAt);
        Assert.Null(started.Prompt);
        var sessionId = started.Session.SessionId;

        var again = await Http.ReadAsync<AgentView>(await alice.PostAsync(Paths.MyWorkSession, new { status = "notReady", reason = "lunch" }), HttpStatusCode.OK);
        Assert.Equal(sessionId, again.Session!.SessionId);
        Assert.Equal(AgentStatus.Ready, again.Status);

        await using var events = await EventStream.OpenAsync(alice);
        Assert.Equal("snapshot", (await events.NextAsync()).Name);

        // A heartbeat half-way moves the inactivity deadline.
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30));
        await Http.AssertStatusAsync(await alice.PostAsync(Paths.MyActivity), HttpStatusCode.NoContent);
        var activityAt = fixture.Time.GetUtcNow();
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(SessionState.Active, (await GetMineAsync(alice)).State);

        // Idle until the deadline: warned, with the exact grace deadline.
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30));
        var warned = await GetMineAsync(alice);
        Assert.Equal(SessionState.Warned, warned.State);
        Assert.Equal(new PromptView(activityAt + Timeout, activityAt + Timeout + Grace), warned.Prompt);
        Assert.Equal(warned.Prompt, await SupervisorViewAsync(supervisor, "alice", view => view.Prompt));

        // Continue: active again, the clock restarts now.
        var continued = await Http.ReadAsync<AgentView>(await alice.PostAsync(Paths.MyContinue), HttpStatusCode.OK);
        var continuedAt = fixture.Time.GetUtcNow();
        Assert.Equal(SessionState.Active, continued.State);
        Assert.Null(continued.Prompt);
        Assert.Equal(1, continued.Session!.ContinueCount);

        // Idle past the grace period: the session ends for inactivity and the agent is offline.
        await fixture.AdvanceAsync(Timeout);
        var warnedAgain = await GetMineAsync(alice);
        Assert.Equal(new PromptView(continuedAt + Timeout, continuedAt + Timeout + Grace), warnedAgain.Prompt);
        await fixture.AdvanceAsync(Grace);
        var ended = await GetMineAsync(alice);
        Assert.Equal((SessionState.None, AgentStatus.Offline), (ended.State, ended.Status));
        Assert.Null(ended.Session);

        var endedEvent = await events.NextNamedAsync("session-ended", "inactivity-warning", "warning-cleared", "status-changed");
        var record = endedEvent.As<SessionRecord>();
        Assert.Equal((sessionId, EndReason.InactivityTimeout, (string?)null), (record.SessionId, record.EndReason, record.EndedBy));
        Assert.Equal(continuedAt + Timeout + Grace, record.EndedAt);
        Assert.Equal((2, 1), (record.PromptCount, record.ContinueCount));

        // Start again: a new session, on the roster.
        var restarted = await Http.ReadAsync<AgentView>(await alice.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        var newSessionId = restarted.Session!.SessionId;
        Assert.NotEqual(sessionId, newSessionId);
        await Http.EventuallyAsync(
            async () => (await RosterAsync(supervisor)).Any(view => view.AgentId == "alice" && view.Session?.SessionId == newSessionId),
            "alice's new session on the roster");

        // A supervisor ends it, with a note.
        var endedBySupervisor = await Http.ReadAsync<SessionRecord>(
            await supervisor.PostAsync(Paths.EndAgent("alice"), new { note = "shift over" }), HttpStatusCode.OK);
        Assert.Equal((newSessionId, EndReason.EndedBySupervisor, "sup-7", "shift over"),
            (endedBySupervisor.SessionId, endedBySupervisor.EndReason, endedBySupervisor.EndedBy, endedBySupervisor.Note));
        var afterEnd = await SupervisorViewAsync(supervisor, "alice", view => view);
        Assert.Equal((SessionState.None, AgentStatus.Offline), (afterEnd.State, afterEnd.Status));
        await Http.EventuallyAsync(async () => (await RosterAsync(supervisor)).Count == 0, "an empty roster");
    }

    [Fact]
    public async Task AnAdminEndingASession_IsRecordedAsTheAdmin()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        await Http.AssertStatusAsync(await tenant.Agent("bob").PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);

        var record = await Http.ReadAsync<SessionRecord>(await tenant.Admin("boss").PostAsync(Paths.EndAgent("bob")), HttpStatusCode.OK);

        Assert.Equal((EndReason.EndedByAdmin, "boss", (string?)null), (record.EndReason, record.EndedBy, record.Note));
    }

    [Fact]
    public async Task AnAgentEndingTheirSession_GetsTheRecord()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var carol = tenant.Agent("carol");
        await Http.AssertStatusAsync(await carol.PostAsync(Paths.MyWorkSession, new { status = "notReady", reason = "training" }), HttpStatusCode.Created);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(90));

        var record = await Http.ReadAsync<SessionRecord>(await carol.DeleteAsync(Paths.MyWorkSession), HttpStatusCode.OK);

        Assert.Equal((EndReason.AgentEnded, "carol", 90.0, 0.0), (record.EndReason, record.EndedBy, record.NotReadySeconds, record.ReadySeconds));
        Assert.Equal(AgentStatus.Offline, (await GetMineAsync(carol)).Status);
    }

    private static async Task<AgentView> GetMineAsync(ApiClient agent) =>
        await Http.ReadAsync<AgentView>(await agent.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);

    private static async Task<T> SupervisorViewAsync<T>(ApiClient supervisor, string agentId, Func<AgentView, T> select) =>
        select(await Http.ReadAsync<AgentView>(await supervisor.GetAsync(Paths.Agent(agentId)), HttpStatusCode.OK));

    private static async Task<IReadOnlyList<AgentView>> RosterAsync(ApiClient supervisor) =>
        (await Http.ReadAsync<OpenSessionsPage>(await supervisor.GetAsync(Paths.Roster), HttpStatusCode.OK)).Items;
}
