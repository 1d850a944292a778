namespace WorkSessions;

/// <summary>Names of the grain storage provider and of each grain class's state.</summary>
public static class StorageNames
{
    /// <summary>The grain storage provider every grain of the product uses.</summary>
    public const string WorkSessions = "work-sessions";
}

/// <summary>
/// One state name per grain class: the ADO.NET provider keys rows by state name and grain key, so two
/// classes sharing a name and a key would overwrite each other. Never rename these: stored rows carry them.
/// </summary>
public static class StateNames
{
    public const string Agent = "agent";

    public const string Tenant = "tenant";

    public const string Webhook = "webhook";

    public const string WebhookRegistry = "webhooks";

    public const string Team = "team";

    public const string TeamDirectory = "teams";
}
