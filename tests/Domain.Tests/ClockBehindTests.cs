using WorkSessions.Contracts;

namespace WorkSessions.Domain.Tests;

/// <summary>A grain that fails over to a silo whose clock is behind still records times that never go backwards.</summary>
public sealed class ClockBehindTests
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 2, 8, 0, 0, TimeSpan.Zero);

    private readonly AdjustableClock _clock = new(T0);
    private readonly SessionDriver _machine;

    public ClockBehindTests() => _machine = new SessionDriver("agent-7", new AgentState
    {
        Preferences = new TenantPreferences(new WorkSessionPreferences(true, true, 600, 180), 1, T0, "admin-1"),
    }, _clock);

    private SessionDriver Machine => _machine;

    private AgentState _state => _machine.Data;

    [Fact]
    public void Warning_OnASiloWhoseClockIsBehind_IsNotRecordedBeforeTheSessionStarted()
    {
        Machine.Start(AgentStatus.Ready, null);
        Machine.SetStatus(AgentStatus.NotReady, "lunch"); // at T0
        _clock.SetUtcNow(T0 + TimeSpan.FromSeconds(100));
        Machine.SetStatus(AgentStatus.Ready, null); // recorded at T0 + 100

        _clock.SetUtcNow(T0 + TimeSpan.FromSeconds(40)); // failover: this silo is 60 s behind
        var activation = Machine.Activate(_state.Preferences);
        var ended = Machine.End(Actor.Supervisor("sup-1"), null).OfType<SessionEnded>().Single();

        Assert.Empty(activation);
        Assert.True(_state.LatestRecordedAt >= T0 + TimeSpan.FromSeconds(100));
        Assert.Equal(T0 + TimeSpan.FromSeconds(100), ended.At);
        Assert.True(ended.Record.StartedAt <= ended.Record.EndedAt);
        Assert.Equal(100, ended.Record.NotReadySeconds + ended.Record.ReadySeconds, precision: 6);
    }

    [Fact]
    public void PromptAndEnd_WithTheClockBehind_KeepStartedBeforeWarnedBeforeEnded()
    {
        Machine.Start(AgentStatus.Ready, null);
        _clock.SetUtcNow(T0 + TimeSpan.FromSeconds(600));
        var warned = Machine.CheckDeadlines().OfType<InactivityWarned>().Single(); // at 600, deadline 780
        _clock.SetUtcNow(T0 + TimeSpan.FromSeconds(700));
        Machine.RecordActivity(); // remembered at 700; the prompt stays

        _clock.SetUtcNow(T0 + TimeSpan.FromSeconds(650)); // failover to a silo 50 s behind, grace not passed by its clock
        Assert.Empty(Machine.Activate(_state.Preferences));
        Assert.Equal(SessionState.Warned, Machine.State);

        _clock.SetUtcNow(T0 + TimeSpan.FromSeconds(780));
        var ended = Machine.CheckDeadlines().OfType<SessionEnded>().Single();

        Assert.True(warned.At < ended.At);
        Assert.True(ended.At >= warned.Deadline, "no session ends before its grace period is over");
        Assert.Equal(T0 + TimeSpan.FromSeconds(780), ended.Record.EndedAt);
    }

    [Fact]
    public void SessionStart_AfterAnEndRecordedByAClockAhead_StartsNoEarlierThanThatEnd()
    {
        Machine.Start(AgentStatus.Ready, null);
        _clock.SetUtcNow(T0 + TimeSpan.FromSeconds(300));
        var ended = Machine.End(Actor.Agent("agent-7"), null).OfType<SessionEnded>().Single();

        _clock.SetUtcNow(T0 + TimeSpan.FromSeconds(200));
        var started = Machine.Start(AgentStatus.Ready, null).OfType<SessionStarted>().Single();

        Assert.Equal(ended.At, started.At);
        Assert.Equal(ended.At, _state.Session!.StartedAt);
    }
}
