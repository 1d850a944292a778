using WorkSessions.Contracts;

namespace WorkSessions.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TenantGrainTests(ClusterFixture fixture)
{
    private static readonly WorkSessionPreferences Valid = new(true, true, 60, 30);

    [Fact]
    public async Task NewTenant_HasTheDefaultPreferences()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync());

        var preferences = await tenant.GetPreferences();

        Assert.Equal(new WorkSessionPreferences(false, false, 1800, 180), preferences.Preferences);
        Assert.Equal(0, preferences.Version);
        Assert.Null(preferences.UpdatedBy);
    }

    [Fact]
    public async Task Update_StoresVersionTimeAndAdmin()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync());

        var first = await tenant.UpdatePreferences(Valid, expectedVersion: 0, "admin-1");
        var second = await tenant.UpdatePreferences(Valid with { GracePeriodSeconds = 180 }, expectedVersion: 1, "admin-2");

        Assert.Equal(1, first.Version);
        Assert.Equal(2, second.Version);
        Assert.Equal("admin-2", second.UpdatedBy);
        Assert.Equal(fixture.Time.GetUtcNow(), second.UpdatedAt);
        Assert.Equal(second, await tenant.GetPreferences());
    }

    [Fact]
    public async Task Update_WithAStaleVersion_IsRejectedAndChangesNothing()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync());
        var current = await tenant.UpdatePreferences(Valid, null, "admin-1");

        var error = await Assert.ThrowsAsync<WorkSessionException>(() => tenant.UpdatePreferences(Valid with { AutoEndEnabled = false }, 0, "admin-2"));

        Assert.Equal(ErrorCodes.VersionMismatch, error.Code);
        Assert.Equal(current, await tenant.GetPreferences());
    }

    [Theory]
    [InlineData(0, 30)]
    [InlineData(43201, 30)]
    [InlineData(60, 0)]
    [InlineData(60, 1801)]
    public async Task Update_OutOfBounds_IsRejectedAndChangesNothing(int timeoutSeconds, int graceSeconds)
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync());

        var error = await Assert.ThrowsAsync<WorkSessionException>(
            () => tenant.UpdatePreferences(new WorkSessionPreferences(true, true, timeoutSeconds, graceSeconds), null, "admin-1"));

        Assert.Equal(ErrorCodes.InvalidPreferences, error.Code);
        Assert.Equal(0, (await tenant.GetPreferences()).Version);
    }

    [Fact]
    public async Task Roster_ListsAgentsWithOpenSessions()
    {
        var tenantId = await fixture.NewTenantAsync(Valid);
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        await fixture.Agent(tenantId, "bob").StartSession(AgentStatus.Ready, null);
        await fixture.Agent(tenantId, "alice").StartSession(AgentStatus.Ready, null);
        await WaitUntilAsync(async () => (await tenant.GetRoster()).Count == 2);

        await fixture.Agent(tenantId, "bob").EndSession(Actor.Admin("admin-1"), null);
        await WaitUntilAsync(async () => (await tenant.GetRoster()).Count == 1);

        Assert.Equal(["alice"], await tenant.GetRoster());
    }

    [Fact]
    public async Task RosterChanges_AreWrittenInOneBatch_AndSurviveDeactivation()
    {
        var tenantId = await fixture.NewTenantAsync(Valid);
        var tenant = fixture.Grains.GetTenantGrain(tenantId);
        var writesBefore = fixture.Storage.WritesOf(tenant.GetGrainId());
        for (var i = 0; i < 50; i++)
        {
            await fixture.Agent(tenantId, $"agent-{i}").StartSession(AgentStatus.Ready, null);
        }

        await WaitUntilAsync(async () => (await tenant.GetRoster()).Count == 50);
        Assert.Equal(writesBefore, fixture.Storage.WritesOf(tenant.GetGrainId()));

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(5));
        await tenant.GetRoster();
        Assert.Equal(writesBefore + 1, fixture.Storage.WritesOf(tenant.GetGrainId()));

        await fixture.Agent(tenantId, "agent-0").EndSession(Actor.Agent("agent-0"), null);
        await WaitUntilAsync(async () => (await tenant.GetRoster()).Count == 49);
        await fixture.Cluster.DeactivateAsync(tenant);

        Assert.Equal(49, (await tenant.GetRoster()).Count);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        // Agents update the roster with one-way calls: poll briefly for them to land.
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(10);
        }

        Assert.Fail("The condition did not become true within 3 s.");
    }

    [Fact]
    public async Task RowWrittenBehindItsBack_IsReloaded_AndTheUpdateApplies()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync(Valid));
        var elsewhere = new TenantGrainState
        {
            Preferences = new TenantPreferences(Valid with { GracePeriodSeconds = 90 }, 4, fixture.Time.GetUtcNow(), "admin-9"),
        };
        fixture.Storage.Overwrite(StateNames.Tenant, tenant.GetGrainId(), elsewhere);

        var updated = await tenant.UpdatePreferences(Valid with { InactivityTimeoutSeconds = 120 }, null, "admin-1");
        var again = await tenant.UpdatePreferences(Valid, updated.Version, "admin-1");

        Assert.Equal(5, updated.Version);
        Assert.Equal(6, again.Version);
        Assert.Equal(again, fixture.Storage.Read<TenantGrainState>(StateNames.Tenant, tenant.GetGrainId())!.Preferences);
    }

    [Fact]
    public async Task RowWrittenBehindItsBack_StillRejectsAnUpdateMadeAgainstTheOldVersion()
    {
        var tenant = fixture.Grains.GetTenantGrain(await fixture.NewTenantAsync(Valid));
        var elsewhere = new TenantGrainState { Preferences = new TenantPreferences(Valid, 4, fixture.Time.GetUtcNow(), "admin-9") };
        fixture.Storage.Overwrite(StateNames.Tenant, tenant.GetGrainId(), elsewhere);

        var error = await Assert.ThrowsAsync<WorkSessionException>(() => tenant.UpdatePreferences(Valid with { AutoEndEnabled = false }, 1, "admin-1"));

        Assert.Equal(ErrorCodes.VersionMismatch, error.Code);
        Assert.Equal(4, (await tenant.GetPreferences()).Version);
    }

    [Fact]
    public void PublicGrainContracts_OfferOnlyWhatClientsMayCall()
    {
        // Grain-to-grain plumbing (preference pushes, roster upkeep) lives on internal interfaces in src/Grains.
        string[] agent = [.. typeof(IAgentGrain).GetMethods().Select(m => m.Name).Order()];
        string[] tenant = [.. typeof(ITenantGrain).GetMethods().Select(m => m.Name).Order()];

        Assert.Equal(
            ["BeginEngagement", "Continue", "EndEngagement", "EndSession", "FindSnapshot", "GetSnapshot", "RecordActivity", "SetStatus", "StartSession", "Subscribe", "Unsubscribe", "get_ObserverLease"],
            agent);
        Assert.Equal(["GetPreferences", "GetRoster", "UpdatePreferences"], tenant);
        Assert.False(typeof(IAgentPreferencesTarget).IsPublic);
        Assert.False(typeof(ITenantRoster).IsPublic);
    }
}
