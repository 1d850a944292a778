namespace WorkSessions.Contracts;

/// <summary>The stable codes of every rejection; the Gateway returns them as the problem-details <c>code</c>.</summary>
public static class ErrorCodes
{
    /// <summary>The command needs an open session and the agent has none.</summary>
    public const string NoOpenSession = "no_open_session";

    /// <summary>The tenant has work sessions turned off.</summary>
    public const string WorkSessionsDisabled = "work_sessions_disabled";

    /// <summary>Preferences outside the allowed bounds, or incomplete.</summary>
    public const string InvalidPreferences = "invalid_preferences";

    /// <summary>A status the caller may not set now (e.g. occupied, offline with an open session, not ready without a reason).</summary>
    public const string InvalidStatus = "invalid_status";

    /// <summary>The caller's version of the preferences is stale.</summary>
    public const string VersionMismatch = "version_mismatch";

    /// <summary>A tenant or agent id that does not match its pattern.</summary>
    public const string InvalidId = "invalid_id";

    /// <summary>An agent the tenant has never seen (also what another tenant's agents look like).</summary>
    public const string AgentNotFound = "agent_not_found";

    /// <summary>An argument the command cannot use (e.g. an empty engagement id).</summary>
    public const string InvalidArgument = "invalid_argument";

    /// <summary>A report range that is not a time range of at most 93 days with <c>from</c> before <c>to</c>.</summary>
    public const string InvalidRange = "invalid_range";

    /// <summary>A cursor this report did not hand out.</summary>
    public const string InvalidCursor = "invalid_cursor";

    /// <summary>A time zone that is not an IANA time zone name.</summary>
    public const string InvalidTimeZone = "invalid_time_zone";

    /// <summary>A concurrency interval that is not an ISO 8601 duration of at least one minute, or too many intervals.</summary>
    public const string InvalidInterval = "invalid_interval";

    /// <summary>A webhook URL that is not absolute, carries user info, or is not https or not public outside the allowed hosts.</summary>
    public const string InvalidWebhookUrl = "invalid_webhook_url";

    /// <summary>The tenant already has the most webhook endpoints it may have.</summary>
    public const string WebhookLimit = "webhook_limit";

    /// <summary>A webhook endpoint the tenant does not have (also what another tenant's endpoints look like).</summary>
    public const string WebhookNotFound = "webhook_not_found";

    /// <summary>A team the tenant does not have (also what another tenant's teams look like).</summary>
    public const string TeamNotFound = "team_not_found";
}

/// <summary>
/// A command the agent's state does not allow. The one way every layer rejects a transition:
/// the domain throws it, it crosses grain calls unchanged, and the Gateway maps its <see cref="Code"/>.
/// </summary>
[GenerateSerializer, Alias("WorkSessions.WorkSessionException")]
public sealed class WorkSessionException : Exception
{
    /// <summary>Creates a rejection with a stable code and a message for people.</summary>
    /// <param name="code">One of <see cref="ErrorCodes"/>.</param>
    /// <param name="message">What went wrong, in words.</param>
    public WorkSessionException(string code, string message) : base(message) => Code = code;

    /// <summary>The stable code, one of <see cref="ErrorCodes"/>.</summary>
    [Id(0)]
    public string Code { get; }

    /// <summary>No open session.</summary>
    public static WorkSessionException NoOpenSession() =>
        new(ErrorCodes.NoOpenSession, "The agent has no open work session; start one first.");

    /// <summary>The feature is off for the tenant.</summary>
    public static WorkSessionException Disabled() =>
        new(ErrorCodes.WorkSessionsDisabled, "Work sessions are turned off for this tenant.");

    /// <summary>An invalid status request.</summary>
    /// <param name="message">Why the status is not allowed.</param>
    public static WorkSessionException InvalidStatus(string message) => new(ErrorCodes.InvalidStatus, message);
}
