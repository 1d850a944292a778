using System.Collections.Immutable;
using WorkSessions.Contracts;

namespace WorkSessions.Domain.Limits;

/// <summary>
/// What not-ready limits and a shift's end may be (docs/architecture.md#limits). Each problem starts with the field's
/// JSON path, as the other preferences' do (the console places the message beside the field); a limit is named by its
/// position, a reason never quoted.
/// </summary>
public static class LimitRules
{
    /// <summary>The shortest limit: a minute.</summary>
    public const int MinimumMaxSeconds = 60;

    /// <summary>The longest limit: a day.</summary>
    public const int MaximumMaxSeconds = 86400;

    /// <summary>The most limits a list holds: one per reason, and a tenant has at most 20 reasons.</summary>
    public const int MaximumLimits = PreferenceRules.MaximumNotReadyReasons;

    /// <summary>What is wrong with a list of not-ready limits, each part starting with <paramref name="field"/>.</summary>
    /// <param name="field">The list's JSON path: <c>notReadyLimits</c> or <c>preferences.notReadyLimits</c>.</param>
    /// <param name="limits">The limits.</param>
    /// <param name="notReadyReasons">The tenant's not-ready reasons, one of which each limit must name.</param>
    public static IEnumerable<string> NotReadyLimitProblems(string field, ImmutableArray<NotReadyLimit> limits, IReadOnlyList<string> notReadyReasons)
    {
        ArgumentNullException.ThrowIfNull(notReadyReasons);
        if (limits.IsDefaultOrEmpty)
        {
            yield break;
        }

        if (limits.Length > MaximumLimits)
        {
            yield return $"{field} must hold at most {MaximumLimits} limits, not {limits.Length}";
            yield break;
        }

        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < limits.Length; i++)
        {
            var position = i + 1;
            var limit = limits[i];
            if (limit is null)
            {
                yield return $"{field}: limit {position} is empty";
                continue;
            }

            var reason = limit.Reason ?? "";
            if (!notReadyReasons.Contains(reason, StringComparer.OrdinalIgnoreCase))
            {
                yield return $"{field}: limit {position} names a reason that is not one of notReadyReasons";
            }
            else if (seen.TryGetValue(reason, out var first))
            {
                yield return $"{field}: limit {position} repeats the reason of limit {first}";
            }
            else
            {
                seen.Add(reason, position);
            }

            if (limit.MaxSeconds is < MinimumMaxSeconds or > MaximumMaxSeconds)
            {
                yield return $"{field}: limit {position} maxSeconds must be between {MinimumMaxSeconds} and {MaximumMaxSeconds}";
            }
            else if (limit.WarnSecondsBefore < 0 || limit.WarnSecondsBefore >= limit.MaxSeconds)
            {
                yield return $"{field}: limit {position} warnSecondsBefore must be at least 0 and less than maxSeconds";
            }

            if (!Enum.IsDefined(limit.Action))
            {
                yield return $"{field}: limit {position} action must be alert or endSession";
            }
        }
    }

    /// <summary>What is wrong with a team's shift end, each part starting with <paramref name="field"/>; nothing for null.</summary>
    /// <param name="field">The JSON path: <c>preferences.shiftEnd</c>.</param>
    /// <param name="shiftEnd">The shift end.</param>
    public static IEnumerable<string> ShiftEndProblems(string field, ShiftEnd? shiftEnd)
    {
        if (shiftEnd is null)
        {
            yield break;
        }

        if (ShiftClock.ParseTime(shiftEnd.Time) is null)
        {
            yield return $"{field}.time must be a time of day HH:mm, 00:00 to 23:59";
        }

        if (shiftEnd.WarnMinutes is < 0 or > ShiftClock.MaximumWarnMinutes)
        {
            yield return $"{field}.warnMinutes must be between 0 and {ShiftClock.MaximumWarnMinutes}";
        }
    }
}
