using System.Collections.Immutable;

namespace WorkSessions.Contracts;

/// <summary>What happens when an agent has been not ready for one reason longer than its limit (docs/architecture.md#limits).</summary>
public enum StatusLimitAction
{
    /// <summary>Only the <c>status-limit-reached</c> event: supervisors are alerted through the feed.</summary>
    Alert = 0,

    /// <summary>The event, then the session ends <c>statusLimit</c> (never while an engagement is open).</summary>
    EndSession = 1,
}

/// <summary>A time limit on one not-ready reason (docs/architecture.md#limits).</summary>
/// <param name="Reason">One of the tenant's not-ready reasons.</param>
/// <param name="MaxSeconds">How long an agent may stay not ready for this reason, 60 to 86,400 seconds.</param>
/// <param name="WarnSecondsBefore">How long before the limit the agent is warned; 0 warns not at all, less than <paramref name="MaxSeconds"/>.</param>
/// <param name="Action">What happens at the limit.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.NotReadyLimit")]
public sealed record NotReadyLimit(
    [property: Id(0)] string Reason,
    [property: Id(1)] int MaxSeconds,
    [property: Id(2)] int WarnSecondsBefore,
    [property: Id(3)] StatusLimitAction Action);

/// <summary>A team's end of shift (docs/architecture.md#shift-end), in the team's time zone.</summary>
/// <param name="Time">The local time of day, <c>HH:mm</c> (24-hour).</param>
/// <param name="WarnMinutes">How many minutes before the agent is told, 0 to 240.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.ShiftEnd")]
public sealed record ShiftEnd(
    [property: Id(0)] string Time,
    [property: Id(1)] int WarnMinutes);

/// <summary>Equality of the lists of limits by their values (an <see cref="ImmutableArray{T}"/> compares by reference).</summary>
public static class NotReadyLimitLists
{
    /// <summary>True when both hold the same limits in the same order.</summary>
    /// <param name="a">One list.</param>
    /// <param name="b">The other.</param>
    public static bool SameAs(this ImmutableArray<NotReadyLimit> a, ImmutableArray<NotReadyLimit> b) =>
        (a.IsDefaultOrEmpty && b.IsDefaultOrEmpty) || (!a.IsDefault && !b.IsDefault && a.AsSpan().SequenceEqual(b.AsSpan()));

    /// <summary>True when both are null (inherit) or hold the same limits.</summary>
    /// <param name="a">One list.</param>
    /// <param name="b">The other.</param>
    public static bool SameAs(this ImmutableArray<NotReadyLimit>? a, ImmutableArray<NotReadyLimit>? b) =>
        a is null ? b is null : b is not null && a.Value.SameAs(b.Value);
}
