using WorkSessions.Contracts;

namespace WorkSessions.Domain;

/// <summary>The allowed range of each preference (docs/architecture.md#preferences), with the minimums the silo is configured with.</summary>
public sealed record PreferenceRules(int MinimumInactivityTimeoutSeconds, int MinimumGracePeriodSeconds)
{
    public const int MaximumInactivityTimeoutSeconds = 43200;

    public const int MaximumGracePeriodSeconds = 1800;

    /// <summary>Throws <c>invalid_preferences</c> naming every field out of range.</summary>
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

        if (problems.Count > 0)
        {
            throw new WorkSessionException(ErrorCodes.InvalidPreferences, string.Join("; ", problems) + ".");
        }
    }
}
