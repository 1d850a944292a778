using System.Net;
using WorkSessions.Contracts;

namespace WorkSessions.Gateway.Tests;

/// <summary><c>GET /me/events</c>: a snapshot first, then the prompt at the deadline and the end after the grace period.</summary>
[Collection(GatewayCollection.Name)]
public sealed class EventStreamTests(GatewayFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Stream_DeliversTheWarningAtTheDeadline_AndTheEndAfterTheGracePeriod()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true, autoEnd: true, timeout: 60, grace: 30);
        var alice = tenant.Agent("alice");
        var startedAt = fixture.Time.GetUtcNow();
        var started = await Http.ReadAsync<AgentView>(await alice.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        var sessionId = started.Session!.SessionId;

        await using var events = await EventStream.OpenAsync(alice);

        // The first event is the current state.
        var snapshot = await events.NextAsync();
        Assert.Equal("snapshot", snapshot.Name);
        Assert.Equivalent(started, snapshot.As<AgentView>(), strict: true);

        // A status change is relayed.
        await Http.AssertStatusAsync(await alice.PutAsync(Paths.MyStatus, new { status = "notReady", reason = "lunch" }), HttpStatusCode.OK);
        var statusChanged = (await events.NextAsync()).Json;
        Assert.Equal(("ready", "notReady", "lunch"), ((string?)statusChanged["from"], (string?)statusChanged["to"], (string?)statusChanged["reason"]));

        // One second before the deadline nothing happens; at the deadline the prompt arrives with the grace deadline.
        await fixture.AdvanceAsync(Timeout - TimeSpan.FromSeconds(1));
        Assert.Equal(SessionState.Active, (await Http.ReadAsync<AgentView>(await alice.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK)).State);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(SessionState.Warned, (await Http.ReadAsync<AgentView>(await alice.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK)).State);

        var warning = await events.NextAsync();
        Assert.Equal("inactivity-warning", warning.Name);
        Assert.NotNull(warning.Id);
        Assert.Equal(sessionId, (Guid?)warning.Json["sessionId"]);
        Assert.Equal(startedAt + Timeout, (DateTimeOffset?)warning.Json["warnedAt"]);
        Assert.Equal(startedAt + Timeout + Grace, (DateTimeOffset?)warning.Json["deadline"]);

        // After the grace period the session ends for inactivity.
        await fixture.AdvanceAsync(Grace);
        Assert.Equal(SessionState.None, (await Http.ReadAsync<AgentView>(await alice.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK)).State);

        // One transition's events arrive in one observer call, so in order: the end, then the status change it caused.
        var ended = await events.NextAsync();
        Assert.Equal("session-ended", ended.Name);
        var offline = await events.NextAsync();
        Assert.Equal(("status-changed", "offline"), (offline.Name, (string?)offline.Json["to"]));
        var record = ended.As<SessionRecord>();
        Assert.Equal((sessionId, "alice", EndReason.InactivityTimeout, (string?)null, 1, 0),
            (record.SessionId, record.AgentId, record.EndReason, record.EndedBy, record.PromptCount, record.ContinueCount));
        Assert.Equal((startedAt, startedAt + Timeout + Grace), (record.StartedAt, record.EndedAt));
        Assert.Equal(Timeout.TotalSeconds + Grace.TotalSeconds, record.NotReadySeconds);
    }

    [Fact]
    public async Task Stream_RelaysWarningCleared_WhenTheAgentContinues()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true, autoEnd: true, timeout: 60, grace: 30);
        var bob = tenant.Agent("bob");
        await Http.AssertStatusAsync(await bob.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        await using var events = await EventStream.OpenAsync(bob);
        Assert.Equal("snapshot", (await events.NextAsync()).Name);

        await fixture.AdvanceAsync(Timeout);
        await Http.AssertStatusAsync(await bob.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        Assert.Equal("inactivity-warning", (await events.NextAsync()).Name);
        await Http.AssertStatusAsync(await bob.PostAsync(Paths.MyContinue), HttpStatusCode.OK);

        var cleared = await events.NextAsync();
        Assert.Equal("warning-cleared", cleared.Name);
        Assert.Equal("continued", (string?)cleared.Json["cause"]);
    }

    [Fact]
    public async Task Reconnecting_StartsWithTheCurrentState()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true, autoEnd: true, timeout: 60, grace: 30);
        var carol = tenant.Agent("carol");
        await Http.AssertStatusAsync(await carol.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        await using (var first = await EventStream.OpenAsync(carol))
        {
            Assert.Equal(SessionState.Active, (await first.NextAsync()).As<AgentView>().State);
        }

        // Warned while disconnected: the next connection's snapshot shows the prompt.
        await fixture.AdvanceAsync(Timeout);
        var warned = await Http.ReadAsync<AgentView>(await carol.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        await using var second = await EventStream.OpenAsync(carol);

        var snapshot = await second.NextAsync();

        Assert.Equal("snapshot", snapshot.Name);
        Assert.Equal(SessionState.Warned, snapshot.As<AgentView>().State);
        Assert.Equal(warned.Prompt, snapshot.As<AgentView>().Prompt);
    }
}
