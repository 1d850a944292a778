using WorkSessions.Contracts;

namespace WorkSessions.Grains.Tests;

/// <summary>The references resolved once per factory are the ones Orleans resolves on every call, and they work.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainReferencesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Get_GivesWhatGetGrainGives_ForEveryKey_AfterTheFirst()
    {
        var tenantId = await fixture.NewTenantAsync(new WorkSessionPreferences(true, true, 60, 30));

        foreach (var agentId in new[] { "first", "second", "third" })
        {
            var key = AgentKey.Format(tenantId, agentId);
            var cached = GrainReferences<IAgentGrain>.Get(fixture.Grains, key);
            var resolved = fixture.Grains.GetGrain<IAgentGrain>(key);

            Assert.Equal(resolved.GetGrainId(), cached.GetGrainId());
            Assert.Equal(((GrainReference)(object)resolved).InterfaceType, ((GrainReference)(object)cached).InterfaceType);
            Assert.True((await cached.StartSession(AgentStatus.Ready, null)).Created);
            Assert.Equal(SessionState.Active, (await resolved.GetSnapshot()).State);
        }
    }
}
