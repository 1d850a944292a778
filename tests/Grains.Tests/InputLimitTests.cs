using WorkSessions.Contracts;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// The limits on free text and ids hold at the grain, not only at the Gateway: a backend service calling
/// <see cref="IAgentGrain"/> directly is refused with the API's codes, and nothing of the refused command is stored.
/// (Half a surrogate pair cannot cross a grain call: Orleans sends strings as UTF-8. Domain.Tests covers it.)
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class InputLimitTests(ClusterFixture fixture)
{
    private static readonly WorkSessionPreferences On = new(true, false, InactivityTimeoutSeconds: 60, GracePeriodSeconds: 30);

    public static TheoryData<string> BadReasons => new()
    {
        new string('r', 65),
        "lunch\0",
        "lunch\nbreak",
    };

    [Theory]
    [MemberData(nameof(BadReasons))]
    public async Task Start_WithABadReason_IsInvalidStatus_AndStoresNothing(string reason)
    {
        var tenant = await fixture.NewTenantAsync(On);
        var agent = fixture.Agent(tenant, "alice");

        await AssertRefusedAsync(agent, ErrorCodes.InvalidStatus, () => agent.StartSession(AgentStatus.NotReady, reason));

        Assert.Equal(SessionState.None, (await agent.GetSnapshot()).State);
        Assert.Null(await agent.FindSnapshot());
    }

    [Theory]
    [MemberData(nameof(BadReasons))]
    public async Task SetStatus_WithABadReason_IsInvalidStatus_AndStoresNothing(string reason)
    {
        var tenant = await fixture.NewTenantAsync(On);
        var agent = fixture.Agent(tenant, "alice");
        var before = (await agent.StartSession(AgentStatus.Ready, null)).View;

        await AssertRefusedAsync(agent, ErrorCodes.InvalidStatus, () => agent.SetStatus(AgentStatus.NotReady, reason));

        Assert.Equivalent(before, await agent.GetSnapshot(), strict: true);
    }

    [Fact]
    public async Task Reasons_AndNotes_AtTheirLimits_AreStored()
    {
        var tenant = await fixture.NewTenantAsync(On);
        var agent = fixture.Agent(tenant, "alice");
        var reason = new string('r', 64);
        var note = string.Concat(new string('n', 497), "\r\n\t");

        Assert.Equal(reason, (await agent.StartSession(AgentStatus.NotReady, reason)).View.StatusReason);
        var ended = await agent.EndSession(Actor.Supervisor(new string('s', 255)), note);

        Assert.Equal(note, ended.Note);
    }

    public static TheoryData<string, Actor, string?> BadEnds => new()
    {
        { "a note over 500 characters", Actor.Supervisor("sam"), new string('n', 501) },
        { "a note with a NUL", Actor.Supervisor("sam"), "shift\0over" },
        { "a user id over 255 characters", Actor.Supervisor(new string('s', 256)), null },
        { "a blank user id", Actor.Supervisor(" "), null },
        { "a user id with a control character", Actor.Admin("ann\u0007"), null },
        { "a role that does not exist", new Actor((ActorRole)9, "sam"), null },
    };

    [Theory]
    [MemberData(nameof(BadEnds))]
    public async Task End_WithABadActorOrNote_IsInvalidArgument_AndTheSessionStaysOpen(string why, Actor actor, string? note)
    {
        var tenant = await fixture.NewTenantAsync(On);
        var agent = fixture.Agent(tenant, "alice");
        var before = (await agent.StartSession(AgentStatus.Ready, null)).View;

        await AssertRefusedAsync(agent, ErrorCodes.InvalidArgument, () => agent.EndSession(actor, note), why);

        Assert.Equivalent(before, await agent.GetSnapshot(), strict: true);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("call\n1")]
    [InlineData("call\u00001")]
    public async Task BeginEngagement_WithABadId_IsInvalidArgument_AndStoresNothing(string engagementId)
    {
        var tenant = await fixture.NewTenantAsync(On);
        var agent = fixture.Agent(tenant, "alice");
        var before = (await agent.StartSession(AgentStatus.Ready, null)).View;

        await AssertRefusedAsync(agent, ErrorCodes.InvalidArgument, () => agent.BeginEngagement(engagementId));

        Assert.Equivalent(before, await agent.GetSnapshot(), strict: true);
    }

    [Fact]
    public async Task BeginEngagement_WithAnIdOver128Characters_IsInvalidArgument_AndOneOf128IsStored()
    {
        var tenant = await fixture.NewTenantAsync(On);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);

        await AssertRefusedAsync(agent, ErrorCodes.InvalidArgument, () => agent.BeginEngagement(new string('e', 129)));
        await agent.BeginEngagement(new string('e', 128));

        Assert.Equal([new string('e', 128)], (await agent.GetSnapshot()).Session!.OpenEngagements);
    }

    [Theory]
    [InlineData("Acme/alice")]
    [InlineData("acme/alice smith")]
    [InlineData("acme")]
    [InlineData("acme/")]
    public async Task AKeyOutsideTheIdPatterns_IsInvalidId_AndStoresNothing(string key)
    {
        var agent = fixture.Grains.GetGrain<IAgentGrain>(key);

        var error = await Assert.ThrowsAsync<WorkSessionException>(() => agent.StartSession(AgentStatus.Ready, null));

        Assert.Equal(ErrorCodes.InvalidId, error.Code);
        Assert.Equal(0, fixture.Storage.AttemptsOf(agent.GetGrainId()));
    }

    private async Task AssertRefusedAsync(IAgentGrain agent, string code, Func<Task> command, string? why = null)
    {
        var attempts = fixture.Storage.AttemptsOf(agent.GetGrainId());

        var error = await Assert.ThrowsAsync<WorkSessionException>(command);

        Assert.True(code == error.Code, $"{why}: {error.Code} ({error.Message}), not {code}");
        Assert.Equal(attempts, fixture.Storage.AttemptsOf(agent.GetGrainId()));
    }
}
