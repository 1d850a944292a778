using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using WorkSessions.Contracts;

namespace WorkSessions.Domain.Tests;

/// <summary>One agent's <see cref="WorkSessionMachine"/>, driven through <see cref="SessionDriver"/> on a fake clock, with helpers to reach the states of docs/architecture.md#state-machine.</summary>
internal sealed class AgentUnderTest
{
    public const string AgentId = "agent-7";
    public const string AdminId = "admin-1";

    /// <summary>Every test starts here, so expected times read as offsets from it.</summary>
    public static readonly DateTimeOffset T0 = new(2025, 6, 2, 8, 0, 0, TimeSpan.Zero);

    public AgentUnderTest(bool enabled = true, bool autoEnd = true, int timeoutSeconds = 600, int graceSeconds = 180)
    {
        Clock = new FakeTimeProvider(T0);
        var initial = new AgentState();
        Session = new SessionDriver(AgentId, initial, Clock);

        // As if the grain had read the tenant's preferences (version 1) before the first command.
        initial.Preferences = NextPreferences(enabled, autoEnd, timeoutSeconds, graceSeconds);
    }

    public FakeTimeProvider Clock { get; }

    /// <summary>The state after the last command: each command replaces it.</summary>
    public AgentState Data => Session.Data;

    public SessionDriver Session { get; }

    public DateTimeOffset Now => Clock.GetUtcNow();

    public OpenSession Open => Data.Session ?? throw new InvalidOperationException("No open session.");

    public static DateTimeOffset At(double secondsAfterT0) => T0 + TimeSpan.FromSeconds(secondsAfterT0);

    public void Advance(double seconds) => Clock.Advance(TimeSpan.FromSeconds(seconds));

    public TenantPreferences NextPreferences(bool enabled, bool autoEnd, int timeoutSeconds, int graceSeconds, string updatedBy = AdminId) =>
        new(new WorkSessionPreferences(enabled, autoEnd, timeoutSeconds, graceSeconds), Data.Preferences.Version + 1, Now, updatedBy);

    public IReadOnlyList<AgentEvent> ApplyPreferences(bool enabled, bool autoEnd, int timeoutSeconds, int graceSeconds, string updatedBy = AdminId) =>
        Session.ApplyPreferences(NextPreferences(enabled, autoEnd, timeoutSeconds, graceSeconds, updatedBy));

    /// <summary>Starts a session now and marks everything saved, as the grain does after its write.</summary>
    public OpenSession Start(AgentStatus status = AgentStatus.Ready, string? reason = null)
    {
        Session.Start(status, reason);
        Session.MarkSaved();
        return Open;
    }

    /// <summary>Lets the inactivity deadline pass and fires it: the agent is warned at the deadline.</summary>
    public InactivityWarned WaitForPrompt()
    {
        var deadline = Session.InactivityDeadline ?? throw new InvalidOperationException("No inactivity clock runs.");
        Clock.SetUtcNow(deadline);
        var warned = Assert.IsType<InactivityWarned>(Assert.Single(Session.CheckDeadlines()));
        Session.MarkSaved();
        return warned;
    }

    public string Snapshot() => JsonSerializer.Serialize(Data);

    /// <summary>Asserts that the command is rejected with <paramref name="code"/> and changes nothing.</summary>
    public void AssertRejected(string code, Action<SessionDriver> command)
    {
        var before = Snapshot();
        var unsavedBefore = Session.HasUnsavedChanges;
        var rejection = Assert.Throws<WorkSessionException>(() => command(Session));
        Assert.Equal(code, rejection.Code);
        Assert.Equal(before, Snapshot());
        Assert.Equal(unsavedBefore, Session.HasUnsavedChanges);
    }
}
