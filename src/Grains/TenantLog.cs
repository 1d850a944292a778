using Microsoft.Extensions.Logging;

namespace WorkSessions;

/// <summary>What the tenant grain logs.</summary>
internal static partial class TenantLog
{
    [LoggerMessage(LogLevel.Information, "Tenant {TenantId} preferences now version {Version}, by {UpdatedBy}")]
    public static partial void PreferencesUpdated(ILogger logger, string tenantId, long version, string updatedBy);

    [LoggerMessage(LogLevel.Information, "Tenant {TenantId} pushed preferences version {Version} to {Agents} open sessions in {Elapsed}")]
    public static partial void Pushed(ILogger logger, string tenantId, long version, int agents, TimeSpan elapsed);

    [LoggerMessage(LogLevel.Information, "Tenant {TenantId} resumes the push of preferences version {Version} to {Agents} open sessions")]
    public static partial void PushResumed(ILogger logger, string tenantId, long version, int agents);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not store that preferences version {Version} reached every open session; the next activation pushes it again")]
    public static partial void PushedVersionWriteFailed(ILogger logger, Exception exception, string tenantId, long version);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not read its open sessions from the report tables; the agents' announcements rebuild the roster")]
    public static partial void RosterLoadFailed(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not store its row on activation; its next write fences off older activations")]
    public static partial void FenceFailed(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not register or remove its report-outbox reminder")]
    public static partial void OutboxReminderFailed(ILogger logger, Exception exception, string tenantId);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} could not push preferences to {Failures} of {Agents} agents (the first error is shown); they catch up when they next announce themselves")]
    public static partial void PushFailed(ILogger logger, Exception? exception, string tenantId, int failures, int agents);

    [LoggerMessage(LogLevel.Warning, "Tenant {TenantId} team {TeamId} could not tell the team directory of its change; retrying")]
    public static partial void TeamAnnouncementFailed(ILogger logger, Exception exception, string tenantId, string teamId);
}
