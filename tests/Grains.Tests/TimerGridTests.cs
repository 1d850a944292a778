namespace WorkSessions.Grains.Tests;

/// <summary>Deadline timers fire on a 20 ms grid: never early, at most one step late.</summary>
public sealed class TimerGridTests
{
    [Theory]
    [InlineData("2026-12-03T22:00:00.0000000+00:00", "2026-12-03T22:00:00.0000000+00:00")]
    [InlineData("2026-12-03T22:00:00.0000001+00:00", "2026-12-03T22:00:00.0200000+00:00")]
    [InlineData("2026-12-03T22:00:00.0199999+00:00", "2026-12-03T22:00:00.0200000+00:00")]
    [InlineData("2026-12-03T22:00:00.0200000+00:00", "2026-12-03T22:00:00.0200000+00:00")]
    [InlineData("2026-12-03T22:00:59.9900000+00:00", "2026-12-03T22:01:00.0000000+00:00")]
    [InlineData("2026-12-03T23:00:00.0050000+01:00", "2026-12-03T23:00:00.0200000+01:00")]
    public void RoundsUpToTheGrid(string due, string fires) =>
        Assert.Equal(DateTimeOffset.Parse(fires, System.Globalization.CultureInfo.InvariantCulture), AgentGrain.OnTimerGrid(DateTimeOffset.Parse(due, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void NeverEarly_AtMostOneStepLate()
    {
        var start = new DateTimeOffset(2026, 12, 3, 22, 0, 0, TimeSpan.Zero);
        for (var ticks = 0L; ticks < 3 * AgentGrain.TimerGrid.Ticks; ticks += 997)
        {
            var due = start.AddTicks(ticks);
            var fires = AgentGrain.OnTimerGrid(due);
            Assert.InRange(fires - due, TimeSpan.Zero, AgentGrain.TimerGrid - TimeSpan.FromTicks(1));
            Assert.Equal(0, fires.UtcTicks % AgentGrain.TimerGrid.Ticks);
        }
    }
}
