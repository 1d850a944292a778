namespace WorkSessions.Domain.Tests;

/// <summary>
/// A clock that can also move backwards, like a grain failing over to a silo whose clock is behind.
/// <c>FakeTimeProvider</c> refuses to go back, and the state machine only reads the time.
/// </summary>
internal sealed class AdjustableClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void SetUtcNow(DateTimeOffset value) => _now = value;
}
