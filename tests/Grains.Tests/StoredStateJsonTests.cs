using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;
using WorkSessions.Storage;

namespace WorkSessions.Grains.Tests;

/// <summary>
/// The agent's stored state is written with compile-time JSON metadata (<see cref="GrainStateJsonContext"/>): the
/// silo's grain-storage serializer uses it, rows stored with Orleans' reflection-based metadata (every row before it)
/// load unchanged, and what it writes is byte for byte what the reflection-based metadata wrote.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StoredStateJsonTests(ClusterFixture fixture)
{
    /// <summary>A warned agent's row as a silo stored it on 2026-12-08, before the compile-time metadata.</summary>
    private const string WarnedRow = """
        {"Session":{"Status":1,"OpenEngagements":[],"Session":{"SessionId":"01a25311-d7e0-70d8-a09a-b7698653dd37","StartedAt":"2026-12-08T00:33:28.0328722+00:00","LastActivityAt":"2026-12-08T00:33:28.0328722+00:00","WarnedAt":"2026-12-08T00:33:29.0365059+00:00","GraceDeadline":"2026-12-08T00:43:29.0365059+00:00","PromptCount":1,"ContinueCount":0,"StatusSince":"2026-12-08T00:33:28.0328722+00:00","ReadySeconds":0,"NotReadySeconds":0,"OccupiedSeconds":0},"Preferences":{"Preferences":{"WorkSessionsEnabled":true,"AutoEndEnabled":true,"InactivityTimeoutSeconds":1,"GracePeriodSeconds":600,"NotReadyReasons":["Break","Lunch","Training","Meeting"],"SupervisorScope":0,"NotReadyLimits":[],"ClientGoneAction":0},"Version":1,"UpdatedAt":"2026-12-08T00:33:26.6176573+00:00","UpdatedBy":"bench"},"LatestRecordedAt":"2026-12-08T00:33:29.0365059+00:00"},"Outbox":[{"EventId":"01a25311-dbcc-71c3-8f74-ae0107d2f769","TenantId":"profile-08d09e08477148c7","AgentId":"agent-0","SessionId":"01a25311-d7e0-70d8-a09a-b7698653dd37","At":"2026-12-08T00:33:29.0365059+00:00","Kind":"inactivity-warning","Actor":{"Role":0},"Deadline":"2026-12-08T00:43:29.0365059+00:00"}]}
        """;

    private IGrainStorageSerializer Serializer => fixture.Cluster.GetSiloServiceProvider().GetRequiredService<IGrainStorageSerializer>();

    [Fact]
    public void SiloSerializer_ResolvesTheAgentStateFromCompileTimeMetadata()
    {
        var options = fixture.Cluster.GetSiloServiceProvider().GetRequiredService<IOptions<SystemTextJsonGrainStorageSerializerOptions>>().Value.JsonSerializerOptions;

        var typeInfo = options.GetTypeInfo(typeof(AgentGrainState));

        Assert.IsType<GrainStateJsonContext>(typeInfo.OriginatingResolver);
    }

    [Fact]
    public void RowStoredWithReflectionMetadata_Loads_AndIsWrittenBackByteForByte()
    {
        var loaded = Serializer.Deserialize<AgentGrainState>(new BinaryData(Encoding.UTF8.GetBytes(WarnedRow)))!;

        Assert.Equal(Contracts.AgentStatus.Ready, loaded.Agent.Status);
        Assert.Equal(Guid.Parse("01a25311-d7e0-70d8-a09a-b7698653dd37"), loaded.Agent.Session!.SessionId);
        Assert.Equal(600, loaded.Agent.Preferences.Preferences.GracePeriodSeconds);
        Assert.Equal(["Break", "Lunch", "Training", "Meeting"], loaded.Agent.Preferences.Preferences.NotReadyReasons.ToArray());
        var entry = Assert.Single(loaded.Outbox);
        Assert.Equal("inactivity-warning", entry.Kind);
        Assert.Equal(DateTimeOffset.Parse("2026-12-08T00:43:29.0365059+00:00", System.Globalization.CultureInfo.InvariantCulture), entry.Deadline);
        Assert.Equal(WarnedRow, Serializer.Serialize(loaded).ToString());
    }

    [Fact]
    public void CompileTimeMetadata_WritesWhatReflectionMetadataWrites()
    {
        // A state that uses every part of the type: a team, notices, an engagement, and an ended session in the outbox.
        var state = Serializer.Deserialize<AgentGrainState>(new BinaryData(Encoding.UTF8.GetBytes(WarnedRow)))!;
        var session = state.Agent.Session!;
        session.TeamId = "team-1";
        session.StatusLimitNotice = new Domain.Limits.StatusLimitNotice(session.StartedAt, "Break", session.StartedAt.AddMinutes(15), Reached: false);
        session.ShiftNotice = new Domain.Limits.ShiftNotice(session.StartedAt.AddHours(8), session.StartedAt.AddHours(8));
        session.ClientGoneSince = session.StartedAt.AddMinutes(1);
        state.Agent.StatusReason = "Lunch";
        state.Agent.OpenEngagements = ["call-1"];
        state.Agent.StatusAfterEngagements = Contracts.AgentStatus.NotReady;
        state.Agent.Team = new Contracts.TeamMembership("team-1", new Contracts.TeamPreferenceOverrides(null, 900, null), 3, "Europe/Paris");
        var reflectionOptions = new JsonSerializerOptions(new SystemTextJsonGrainStorageSerializerOptions().JsonSerializerOptions);

        var compiled = Serializer.Serialize(state).ToString();
        var reflected = JsonSerializer.Serialize(state, reflectionOptions);

        Assert.Equal(reflected, compiled);
        Assert.Contains("\"TeamId\":\"team-1\"", compiled, StringComparison.Ordinal);
        Assert.Equal(compiled, Serializer.Serialize(Serializer.Deserialize<AgentGrainState>(new BinaryData(Encoding.UTF8.GetBytes(compiled)))!).ToString());
    }
}
