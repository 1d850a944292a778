using System.Net;
using WorkSessions.Contracts;

namespace WorkSessions.Gateway.Tests;

/// <summary>Every status code of the state table (docs/architecture.md#state-machine), reached over HTTP, with its stable problem code.</summary>
[Collection(GatewayCollection.Name)]
public sealed class StatusCodeTests(GatewayFixture fixture)
{
    [Fact]
    public async Task FeatureOff_SessionCommandsAre409WorkSessionsDisabled()
    {
        var tenant = fixture.NewTenant();
        var agent = tenant.Agent("alice");

        await Http.AssertProblemAsync(await agent.PostAsync(Paths.MyWorkSession), HttpStatusCode.Conflict, ErrorCodes.WorkSessionsDisabled);
        await Http.AssertProblemAsync(await agent.PostAsync(Paths.MyActivity), HttpStatusCode.Conflict, ErrorCodes.WorkSessionsDisabled);
        await Http.AssertProblemAsync(await agent.PostAsync(Paths.MyContinue), HttpStatusCode.Conflict, ErrorCodes.WorkSessionsDisabled);
        await Http.AssertProblemAsync(await agent.DeleteAsync(Paths.MyWorkSession), HttpStatusCode.Conflict, ErrorCodes.WorkSessionsDisabled);

        // Nothing so far made the tenant see alice; a status of her own does.
        await Http.AssertProblemAsync(await tenant.Supervisor().PostAsync(Paths.EndAgent("alice")), HttpStatusCode.NotFound, ErrorCodes.AgentNotFound);
        await Http.AssertStatusAsync(await agent.PutAsync(Paths.MyStatus, new { status = "ready" }), HttpStatusCode.OK);
        await Http.AssertProblemAsync(await tenant.Supervisor().PostAsync(Paths.EndAgent("alice")), HttpStatusCode.Conflict, ErrorCodes.WorkSessionsDisabled);
        await Http.AssertProblemAsync(await tenant.Admin().PostAsync(Paths.EndAgent("alice")), HttpStatusCode.Conflict, ErrorCodes.WorkSessionsDisabled);

        var view = await Http.ReadAsync<AgentView>(await agent.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        Assert.Equal(SessionState.None, view.State);
    }

    [Fact]
    public async Task FeatureOff_StatusChangesWithoutASession()
    {
        var tenant = fixture.NewTenant();
        var agent = tenant.Agent("alice");

        var ready = await Http.ReadAsync<AgentView>(await agent.PutAsync(Paths.MyStatus, new { status = "ready" }), HttpStatusCode.OK);
        var notReady = await Http.ReadAsync<AgentView>(await agent.PutAsync(Paths.MyStatus, new { status = "notReady", reason = "lunch" }), HttpStatusCode.OK);
        var offline = await Http.ReadAsync<AgentView>(await agent.PutAsync(Paths.MyStatus, new { status = "offline" }), HttpStatusCode.OK);

        Assert.Equal(AgentStatus.Ready, ready.Status);
        Assert.Equal((AgentStatus.NotReady, "lunch"), (notReady.Status, notReady.StatusReason));
        Assert.Equal((AgentStatus.Offline, SessionState.None, (SessionView?)null), (offline.Status, offline.State, offline.Session));
    }

    [Fact]
    public async Task FeatureOn_NoSession_CommandsAre409NoOpenSession()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var agent = tenant.Agent("alice");

        await Http.AssertProblemAsync(await agent.PostAsync(Paths.MyActivity), HttpStatusCode.Conflict, ErrorCodes.NoOpenSession);
        await Http.AssertProblemAsync(await agent.PostAsync(Paths.MyContinue), HttpStatusCode.Conflict, ErrorCodes.NoOpenSession);
        await Http.AssertProblemAsync(await agent.PutAsync(Paths.MyStatus, new { status = "ready" }), HttpStatusCode.Conflict, ErrorCodes.NoOpenSession);
        await Http.AssertProblemAsync(await agent.DeleteAsync(Paths.MyWorkSession), HttpStatusCode.Conflict, ErrorCodes.NoOpenSession);
        await Http.AssertProblemAsync(await tenant.Supervisor().PostAsync(Paths.EndAgent("alice"), new { note = "n" }), HttpStatusCode.NotFound, ErrorCodes.AgentNotFound);

        // A session that ended is no longer open either.
        await Http.AssertStatusAsync(await agent.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);
        await Http.AssertStatusAsync(await agent.DeleteAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        await Http.AssertProblemAsync(await agent.DeleteAsync(Paths.MyWorkSession), HttpStatusCode.Conflict, ErrorCodes.NoOpenSession);
        await Http.AssertProblemAsync(await tenant.Supervisor().PostAsync(Paths.EndAgent("alice"), new { note = "n" }), HttpStatusCode.Conflict, ErrorCodes.NoOpenSession);
    }

    [Theory]
    [InlineData("occupied", null)]
    [InlineData("notReady", null)]
    [InlineData("notReady", "")]
    [InlineData("offline", null)]
    public async Task FeatureOn_StatusNotAllowed_Is400InvalidStatus_AndChangesNothing(string status, string? reason)
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var agent = tenant.Agent("alice");
        var before = await Http.ReadAsync<AgentView>(await agent.PostAsync(Paths.MyWorkSession), HttpStatusCode.Created);

        await Http.AssertProblemAsync(await agent.PutAsync(Paths.MyStatus, new { status, reason }), HttpStatusCode.BadRequest, ErrorCodes.InvalidStatus);

        var after = await Http.ReadAsync<AgentView>(await agent.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        Assert.Equivalent(before, after, strict: true);
    }

    [Theory]
    [InlineData("occupied", null)]
    [InlineData("notReady", null)]
    [InlineData("offline", null)]
    public async Task FeatureOn_StartInAStatusNotAllowed_Is400InvalidStatus(string status, string? reason)
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var agent = tenant.Agent("alice");

        await Http.AssertProblemAsync(await agent.PostAsync(Paths.MyWorkSession, new { status, reason }), HttpStatusCode.BadRequest, ErrorCodes.InvalidStatus);

        var view = await Http.ReadAsync<AgentView>(await agent.GetAsync(Paths.MyWorkSession), HttpStatusCode.OK);
        Assert.Equal(SessionState.None, view.State);
    }

    [Fact]
    public async Task FeatureOn_Active_StatusAndContinueSucceed()
    {
        var tenant = fixture.NewTenant();
        await tenant.SetPreferencesAsync(enabled: true);
        var agent = tenant.Agent("alice");
        var started = await Http.ReadAsync<AgentView>(await agent.PostAsync(Paths.MyWorkSession, new { status = "notReady", reason = "coffee" }), HttpStatusCode.Created);
        Assert.Equal((AgentStatus.NotReady, "coffee"), (started.Status, started.StatusReason));

        var ready = await Http.ReadAsync<AgentView>(await agent.PutAsync(Paths.MyStatus, new { status = "ready" }), HttpStatusCode.OK);
        var continued = await Http.ReadAsync<AgentView>(await agent.PostAsync(Paths.MyContinue), HttpStatusCode.OK);

        Assert.Equal((AgentStatus.Ready, (string?)null), (ready.Status, ready.StatusReason));
        Assert.Equal((SessionState.Active, started.Session!.SessionId), (continued.State, continued.Session!.SessionId));
    }
}
