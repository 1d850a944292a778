using WorkSessions.Contracts;
using WorkSessions.Contracts.Reports;
using WorkSessions.Contracts.Webhooks;

namespace WorkSessions.Webhooks;

/// <summary>What an endpoint's settings may hold besides its URL (<see cref="WebhookUrlRules"/> checks that).</summary>
internal static class WebhookSettingsRules
{
    /// <summary>The kinds an endpoint takes, each once; none (null or empty) takes every kind.</summary>
    /// <exception cref="WorkSessionException"><c>invalid_argument</c> for a kind the feed does not have.</exception>
    public static List<string> Kinds(IReadOnlyList<string>? kinds)
    {
        if (kinds is null)
        {
            return [];
        }

        var unknown = kinds.FirstOrDefault(kind => !FeedEventKinds.All.Contains(kind, StringComparer.Ordinal));
        if (unknown is not null)
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"kinds may hold only {string.Join(", ", FeedEventKinds.All)}, not '{unknown}'.");
        }

        return [.. kinds.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The description as given, when it is short enough.</summary>
    /// <exception cref="WorkSessionException"><c>invalid_argument</c> beyond <see cref="WebhookLimits.MaxDescriptionLength"/> characters.</exception>
    public static string? Description(string? description) =>
        description is null || description.Length <= WebhookLimits.MaxDescriptionLength
            ? description
            : throw new WorkSessionException(ErrorCodes.InvalidArgument, $"description is at most {WebhookLimits.MaxDescriptionLength} characters.");
}
