using System.Collections.Immutable;
using WorkSessions.Contracts;
using WorkSessions.Domain.Limits;

namespace WorkSessions.Domain;

/// <summary>The allowed range of each preference (docs/architecture.md#preferences), with the minimums the silo is configured with.</summary>
public sealed record PreferenceRules(int MinimumInactivityTimeoutSeconds, int MinimumGracePeriodSeconds)
{
    public const int MaximumInactivityTimeoutSeconds = 43200;

    public const int MaximumGracePeriodSeconds = 1800;

    /// <summary>The shortest <c>clientGoneSeconds</c>: a reload or a short network blip must not count as gone.</summary>
    public const int MinimumClientGoneSeconds = 15;

    public const int MaximumClientGoneSeconds = 3600;

    /// <summary>The most not-ready reasons a tenant lists: the agent's status menu shows every one of them.</summary>
    public const int MaximumNotReadyReasons = 20;

    /// <summary>The longest not-ready reason, after trimming: it has to fit a menu item and a roster cell.</summary>
    public const int MaximumNotReadyReasonLength = 40;

    /// <summary>
    /// Throws <c>invalid_preferences</c> naming every field out of range. The detail's parts are separated by "; " and
    /// each starts with the field's JSON name, which the console uses to place the message beside the field. A reason is
    /// named by its position rather than quoted: it may hold anything, a "; " or a control character included.
    /// </summary>
    public void Validate(WorkSessionPreferences preferences)
    {
        var problems = new List<string>();
        if (preferences.InactivityTimeoutSeconds < MinimumInactivityTimeoutSeconds || preferences.InactivityTimeoutSeconds > MaximumInactivityTimeoutSeconds)
        {
            problems.Add($"inactivityTimeoutSeconds must be between {MinimumInactivityTimeoutSeconds} and {MaximumInactivityTimeoutSeconds}");
        }

        if (preferences.GracePeriodSeconds < MinimumGracePeriodSeconds || preferences.GracePeriodSeconds > MaximumGracePeriodSeconds)
        {
            problems.Add($"gracePeriodSeconds must be between {MinimumGracePeriodSeconds} and {MaximumGracePeriodSeconds}");
        }

        problems.AddRange(ClientGoneProblems("", preferences.ClientGoneSeconds, preferences.ClientGoneAction));
        problems.AddRange(NotReadyReasonProblems(preferences.NotReadyReasons));
        problems.AddRange(LimitRules.NotReadyLimitProblems("notReadyLimits", preferences.NotReadyLimits, preferences.NotReadyReasons));
        if (!Enum.IsDefined(preferences.SupervisorScope))
        {
            problems.Add("supervisorScope must be tenant or teams");
        }

        if (problems.Count > 0)
        {
            throw new WorkSessionException(ErrorCodes.InvalidPreferences, string.Join("; ", problems) + ".");
        }
    }

    /// <summary>
    /// Throws <c>invalid_preferences</c> naming every override out of range, in the same form as <see cref="Validate(WorkSessionPreferences)"/>;
    /// a field left null inherits the tenant's value and is not judged.
    /// </summary>
    /// <param name="overrides">The team's overrides.</param>
    /// <param name="notReadyReasons">The tenant's not-ready reasons, which the team's not-ready limits must name.</param>
    public void Validate(TeamPreferenceOverrides overrides, IReadOnlyList<string> notReadyReasons)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var problems = new List<string>();
        if (overrides.InactivityTimeoutSeconds is { } timeout && (timeout < MinimumInactivityTimeoutSeconds || timeout > MaximumInactivityTimeoutSeconds))
        {
            problems.Add($"preferences.inactivityTimeoutSeconds must be between {MinimumInactivityTimeoutSeconds} and {MaximumInactivityTimeoutSeconds}");
        }

        if (overrides.GracePeriodSeconds is { } grace && (grace < MinimumGracePeriodSeconds || grace > MaximumGracePeriodSeconds))
        {
            problems.Add($"preferences.gracePeriodSeconds must be between {MinimumGracePeriodSeconds} and {MaximumGracePeriodSeconds}");
        }

        if (overrides.NotReadyLimits is { } limits)
        {
            problems.AddRange(LimitRules.NotReadyLimitProblems("preferences.notReadyLimits", limits, notReadyReasons));
        }

        problems.AddRange(LimitRules.ShiftEndProblems("preferences.shiftEnd", overrides.ShiftEnd));

        problems.AddRange(ClientGoneProblems("preferences.", overrides.ClientGoneSeconds, overrides.ClientGoneAction));
        if (problems.Count > 0)
        {
            throw new WorkSessionException(ErrorCodes.InvalidPreferences, string.Join("; ", problems) + ".");
        }
    }

    private static IEnumerable<string> ClientGoneProblems(string prefix, int? seconds, ClientGoneAction? action)
    {
        if (seconds is { } value && (value < MinimumClientGoneSeconds || value > MaximumClientGoneSeconds))
        {
            yield return $"{prefix}clientGoneSeconds must be between {MinimumClientGoneSeconds} and {MaximumClientGoneSeconds}, or null (off)";
        }

        if (action is { } some && !Enum.IsDefined(some))
        {
            yield return $"{prefix}clientGoneAction must be notReady or endSession";
        }
    }

    /// <summary>
    /// The preferences as the tenant stores them: each not-ready reason without the spaces around it. The same
    /// instance when there is nothing to trim.
    /// </summary>
    public static WorkSessionPreferences Normalize(WorkSessionPreferences preferences)
    {
        var reasons = preferences.NotReadyReasons;
        if (reasons.All(reason => reason is null || reason.Length == reason.Trim().Length))
        {
            return preferences;
        }

        return preferences with { NotReadyReasons = [.. reasons.Select(reason => reason?.Trim()!)] };
    }

    private static IEnumerable<string> NotReadyReasonProblems(ImmutableArray<string> reasons)
    {
        if (reasons.Length is < 1 or > MaximumNotReadyReasons)
        {
            // Judging each of 500 reasons would only bury this.
            yield return $"notReadyReasons must hold between 1 and {MaximumNotReadyReasons} reasons, not {reasons.Length}";
            yield break;
        }

        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < reasons.Length; i++)
        {
            var position = i + 1;
            var reason = reasons[i]?.Trim() ?? "";
            if (reason.Length == 0)
            {
                yield return $"notReadyReasons: reason {position} is empty";
            }
            else if (reason.Length > MaximumNotReadyReasonLength)
            {
                yield return $"notReadyReasons: reason {position} is longer than {MaximumNotReadyReasonLength} characters";
            }
            else if (!PrintableText.IsPrintable(reason))
            {
                yield return $"notReadyReasons: reason {position} holds a control character or half a surrogate pair";
            }
            else if (seen.TryGetValue(reason, out var first))
            {
                yield return $"notReadyReasons: reason {position} repeats reason {first}";
            }
            else
            {
                seen.Add(reason, position);
            }
        }
    }
}
