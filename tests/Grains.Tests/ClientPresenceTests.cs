using WorkSessions.TestSupport;
using WorkSessions.Contracts;
using WorkSessions.Domain.Presence;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// Client presence end to end in the grains (docs/architecture.md#client-presence): streams announced by a Gateway, its
/// lease lapsing when it stops renewing, the client-gone action to the second on the fake clock.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClientPresenceTests(ClusterFixture fixture)
{
    private static readonly WorkSessionPreferences GoneAfter30 = new(true, true, InactivityTimeoutSeconds: 3600, GracePeriodSeconds: 60)
    {
        ClientGoneSeconds = 30,
    };

    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(15);

    private async Task<(IAgentGrain Agent, IAgentPresenceTarget Presence)> StartAsync(WorkSessionPreferences preferences)
    {
        var tenant = await fixture.NewTenantAsync(preferences);
        var agent = fixture.Agent(tenant, "alice");
        await agent.StartSession(AgentStatus.Ready, null);
        return (agent, fixture.Grains.GetGrain<IAgentPresenceTarget>(agent.GetPrimaryKeyString()));
    }

    /// <summary>Waits (on real time, the fake clock still) until the agent holds the client absent since <paramref name="expected"/>.</summary>
    private static async Task WaitForAbsenceAsync(IAgentPresenceTarget presence, DateTimeOffset? expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await presence.GetClientAbsentSince() != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the agent never held the client absent since {expected}");
            await Task.Delay(10);
        }
    }

    /// <summary>Advances the clock in steps of 5 s, each live Gateway renewing its lease before each step, as a live Gateway does.</summary>
    private async Task AdvanceWithLiveGatewaysAsync(TimeSpan by, params string[] gateways)
    {
        for (var left = by; left > TimeSpan.Zero; left -= TimeSpan.FromSeconds(5))
        {
            foreach (var gateway in gateways)
            {
                await fixture.Grains.GetGrain<IGatewayLeaseGrain>(gateway).Renew(Lease);
            }

            await fixture.AdvanceAsync(left < TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public async Task StreamClosed_NotReadyDisconnected_ExactlyClientGoneSecondsLater()
    {
        var (agent, presence) = await StartAsync(GoneAfter30);
        var stream = Guid.NewGuid();
        await agent.ClientConnected("gw-closed", stream);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(5));

        await agent.ClientDisconnected("gw-closed", stream);
        var closedAt = fixture.Time.GetUtcNow();

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(29));
        Assert.Equal(AgentStatus.Ready, (await agent.GetSnapshot()).Status);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        var view = await agent.GetSnapshot();

        Assert.Equal((AgentStatus.NotReady, ClientPresenceRule.DisconnectedReason), (view.Status, view.StatusReason));
        Assert.Equal(closedAt + TimeSpan.FromSeconds(30), view.Session!.TimeInStatus.AsOf);
    }

    [Fact]
    public async Task AnotherStreamStillOpen_OrReconnectInTime_NoAction()
    {
        var (agent, _) = await StartAsync(GoneAfter30 with { ClientGoneAction = ClientGoneAction.EndSession });
        var tab1 = Guid.NewGuid();
        var tab2 = Guid.NewGuid();
        await agent.ClientConnected("gw-a", tab1);
        await agent.ClientConnected("gw-b", tab2);

        await agent.ClientDisconnected("gw-a", tab1);
        await AdvanceWithLiveGatewaysAsync(TimeSpan.FromSeconds(60), "gw-a", "gw-b");
        Assert.NotNull((await agent.GetSnapshot()).Session);

        await agent.ClientDisconnected("gw-b", tab2);
        await AdvanceWithLiveGatewaysAsync(TimeSpan.FromSeconds(29), "gw-a", "gw-b");
        await agent.ClientConnected("gw-a", Guid.NewGuid());
        await AdvanceWithLiveGatewaysAsync(TimeSpan.FromSeconds(60), "gw-a", "gw-b");

        var view = await agent.GetSnapshot();
        Assert.NotNull(view.Session);
        Assert.Equal(AgentStatus.Ready, view.Status);
    }

    [Fact]
    public async Task GatewayStopsRenewing_ItsStreamsCountAsGoneSinceItsLastRenewal()
    {
        var (agent, presence) = await StartAsync(GoneAfter30 with { ClientGoneAction = ClientGoneAction.EndSession });
        var gateway = "gw-" + Guid.NewGuid().ToString("N");
        var lease = fixture.Grains.GetGrain<IGatewayLeaseGrain>(gateway);
        await lease.Renew(Lease);
        await agent.ClientConnected(gateway, Guid.NewGuid());
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(10));
        await lease.Renew(Lease);
        var lastRenewedAt = fixture.Time.GetUtcNow();

        // The Gateway dies (kill -9): no renewal, no close. Within the lease the stream still counts.
        await fixture.AdvanceAsync(Lease - TimeSpan.FromSeconds(1));
        Assert.Null(await presence.GetClientAbsentSince());

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        await WaitForAbsenceAsync(presence, lastRenewedAt);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30 - 15 - 1));
        Assert.NotNull((await agent.GetSnapshot()).Session);

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        var view = await agent.GetSnapshot();

        Assert.Null(view.Session);
        Assert.Equal(AgentStatus.Offline, view.Status);
    }

    [Fact]
    public async Task GatewayLost_WhileTheAgentReconnectedElsewhere_NoAction()
    {
        var (agent, presence) = await StartAsync(GoneAfter30 with { ClientGoneAction = ClientGoneAction.EndSession });
        var dying = "gw-" + Guid.NewGuid().ToString("N");
        await fixture.Grains.GetGrain<IGatewayLeaseGrain>(dying).Renew(Lease);
        await agent.ClientConnected(dying, Guid.NewGuid());

        // The browser reconnects to another Gateway before the dead one's lease lapses.
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(5));
        await agent.ClientConnected("gw-alive", Guid.NewGuid());
        await AdvanceWithLiveGatewaysAsync(TimeSpan.FromSeconds(120), "gw-alive");

        Assert.Null(await presence.GetClientAbsentSince());
        Assert.NotNull((await agent.GetSnapshot()).Session);
    }

    [Fact]
    public async Task Reactivation_CountsTheClientAbsentOnlyAfterTheReannounceWindow()
    {
        var (agent, presence) = await StartAsync(GoneAfter30 with { ClientGoneAction = ClientGoneAction.EndSession });
        var stream = Guid.NewGuid();
        await fixture.Grains.GetGrain<IGatewayLeaseGrain>("gw-r").Renew(Lease);
        await agent.ClientConnected("gw-r", stream);

        await fixture.DeactivateAsync(agent);
        var activatedAt = fixture.Time.GetUtcNow();
        await agent.GetSnapshot();
        Assert.Equal(activatedAt + IAgentGrain.PresenceReannounceWindow, await presence.GetClientAbsentSince());

        // The stream's renewal finds the new activation and announces itself: connected again, nothing happens.
        await AdvanceWithLiveGatewaysAsync(TimeSpan.FromSeconds(15), "gw-r");
        await agent.ClientConnected("gw-r", stream);
        await AdvanceWithLiveGatewaysAsync(TimeSpan.FromSeconds(120), "gw-r");

        Assert.NotNull((await agent.GetSnapshot()).Session);
    }

    [Fact]
    public async Task GatewayLostWithItsLeasesSilo_TheSilosReWatchAfterAMembershipChange_ActsOnTheAgentOnce()
    {
        // The Gateway dies with the silo of its lease grain: the lease's activation and its watchers are gone, and
        // nothing renews it. Nothing tells the agent, however long it waits.
        var (agent, presence, gateway, lease) = await LoseAGatewayWithItsLeasesSiloAsync();

        // The silos see the membership change and watch their agents' Gateways again: the re-created lease lapses
        // unrenewed one default lease later, and the client-gone clock runs from then.
        var watches = fixture.Cluster.GetActiveSilos()
            .Select(silo => (LocalLeaseWatches)fixture.Cluster.GetSiloServiceProvider(silo.SiloAddress).GetService(typeof(LocalLeaseWatches))!)
            .ToList();
        Assert.Contains(watches.SelectMany(silo => silo.Snapshot()), entry => entry.GatewayId == gateway);
        watches.ForEach(silo => silo.WatchAllAgain());
        await EndsOneLeaseAfterTheLeaseIsWatchedAgainAsync(agent, presence, lease, "the re-watch");
    }

    [Fact]
    public async Task GatewayLostWithItsLeasesSilo_AStoredWakeUpReminderTickWatchesAgain_ActsOnTheAgent()
    {
        // The Gateway dies with the silo of its lease grain, and no silo notices a membership change.
        var (agent, presence, _, lease) = await LoseAGatewayWithItsLeasesSiloAsync();

        // A tick of a wake-up reminder stored before wake shards watches the agent's Gateways again: the re-created lease
        // lapses unrenewed one default lease later.
        await agent.AsReference<IRemindable>().ReceiveReminder(WakeUpReminder.Name, default);
        await EndsOneLeaseAfterTheLeaseIsWatchedAgainAsync(agent, presence, lease, "the tick");
    }
    /// <summary>
    /// An agent with a stream on a Gateway whose lease grain is then lost with its silo: nothing renews the lease, nothing
    /// tells the agent, and two minutes later its client still counts as connected.
    /// </summary>
    private async Task<(IAgentGrain Agent, IAgentPresenceTarget Presence, string Gateway, IGatewayLeaseGrain Lease)> LoseAGatewayWithItsLeasesSiloAsync()
    {
        var (agent, presence) = await StartAsync(GoneAfter30 with { ClientGoneAction = ClientGoneAction.EndSession });
        var gateway = "gw-" + Guid.NewGuid().ToString("N");
        var lease = fixture.Grains.GetGrain<IGatewayLeaseGrain>(gateway);
        await lease.Renew(Lease);
        await agent.ClientConnected(gateway, Guid.NewGuid());

        await fixture.DeactivateAsync(lease);
        await fixture.AdvanceAsync(TimeSpan.FromMinutes(2));
        Assert.Null(await presence.GetClientAbsentSince());
        return (agent, presence, gateway, lease);
    }

    /// <summary>
    /// Once something watches the lost Gateway again, its re-created lease lapses unrenewed one default lease later, and
    /// the session ends clientGone 30 s after that, not a second sooner.
    /// </summary>
    private async Task EndsOneLeaseAfterTheLeaseIsWatchedAgainAsync(IAgentGrain agent, IAgentPresenceTarget presence, IGatewayLeaseGrain lease, string watcher)
    {
        await Eventually.UntilAsync(() => fixture.Cluster.TryGetGrainContext(lease.GetGrainId(), out _), TimeSpan.FromSeconds(10), $"the lease re-created by {watcher}", TimeSpan.FromMilliseconds(10));
        var rewatchedAt = fixture.Time.GetUtcNow();
        await fixture.AdvanceAsync(IGatewayLeaseGrain.DefaultLease);
        await WaitForAbsenceAsync(presence, rewatchedAt);
        await fixture.AdvanceAsync(TimeSpan.FromSeconds(30 - 1) - IGatewayLeaseGrain.DefaultLease);
        Assert.NotNull((await agent.GetSnapshot()).Session);

        await fixture.AdvanceAsync(TimeSpan.FromSeconds(1));
        var view = await agent.GetSnapshot();
        Assert.Null(view.Session);
        Assert.Equal(AgentStatus.Offline, view.Status);
    }
}
