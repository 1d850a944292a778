namespace WorkSessions;

/// <summary>How clients address the product's grains: always through these, never by building keys by hand.</summary>
public static class WorkSessionsGrains
{
    private const string TenantKeyPrefix = "tenant/";

    /// <summary>The tenant grain of a tenant.</summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="tenantId">A valid tenant id.</param>
    public static ITenantGrain GetTenantGrain(this IGrainFactory grains, string tenantId) =>
        GrainReferences<ITenantGrain>.Get(grains, TenantGrainKey(tenantId));

    /// <summary>The agent grain of an agent of a tenant.</summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="tenantId">A valid tenant id.</param>
    /// <param name="agentId">A valid agent id.</param>
    public static IAgentGrain GetAgentGrain(this IGrainFactory grains, string tenantId, string agentId) =>
        GrainReferences<IAgentGrain>.Get(grains, AgentKey.Format(tenantId, agentId));

    /// <summary>A team of a tenant.</summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="tenantId">A valid tenant id.</param>
    /// <param name="teamId">A valid team id (the pattern of tenant ids).</param>
    public static ITeamGrain GetTeamGrain(this IGrainFactory grains, string tenantId, string teamId) =>
        GrainReferences<ITeamGrain>.Get(grains, TeamGrainKey(tenantId, teamId));

    /// <summary>The directory of a tenant's teams.</summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="tenantId">A valid tenant id.</param>
    public static ITeamDirectoryGrain GetTeamDirectory(this IGrainFactory grains, string tenantId) =>
        GrainReferences<ITeamDirectoryGrain>.Get(grains, TenantGrainKey(tenantId));

    /// <summary><c>"{tenantId}/{teamId}"</c>: the team's grain key.</summary>
    /// <param name="tenantId">A valid tenant id.</param>
    /// <param name="teamId">A valid team id.</param>
    public static string TeamGrainKey(string tenantId, string teamId) =>
        AgentKey.IsValidTenantId(tenantId) && AgentKey.IsValidTenantId(teamId)
            ? $"{tenantId}/{teamId}"
            : throw new Contracts.WorkSessionException(Contracts.ErrorCodes.InvalidId, $"'{tenantId}/{teamId}' is not a valid team key.");

    /// <summary>The tenant and team ids of a team grain key.</summary>
    /// <param name="key">A key made by <see cref="TeamGrainKey"/>.</param>
    public static (string TenantId, string TeamId) TeamOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && AgentKey.IsValidTenantId(key[..slash]) && AgentKey.IsValidTenantId(key[(slash + 1)..])
            ? (key[..slash], key[(slash + 1)..])
            : throw new Contracts.WorkSessionException(Contracts.ErrorCodes.InvalidId, $"'{key}' is not a team grain key.");
    }

    /// <summary>The reports and event feed of a tenant.</summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="tenantId">A valid tenant id.</param>
    public static IReportGrain GetReportGrain(this IGrainFactory grains, string tenantId) =>
        GrainReferences<IReportGrain>.Get(grains, TenantGrainKey(tenantId));

    /// <summary>The webhook endpoints of a tenant.</summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="tenantId">A valid tenant id.</param>
    public static IWebhookRegistryGrain GetWebhookRegistry(this IGrainFactory grains, string tenantId) =>
        GrainReferences<IWebhookRegistryGrain>.Get(grains, TenantGrainKey(tenantId));

    /// <summary>One webhook endpoint of a tenant.</summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="tenantId">A valid tenant id.</param>
    /// <param name="webhookId">An endpoint id; one of another shape is <c>webhook_not_found</c>.</param>
    public static IWebhookGrain GetWebhookGrain(this IGrainFactory grains, string tenantId, string webhookId) =>
        Contracts.Webhooks.WebhookLimits.IsValidWebhookId(webhookId)
            ? GrainReferences<IWebhookGrain>.Get(grains, WebhookKey(tenantId, webhookId))
            : throw new Contracts.WorkSessionException(Contracts.ErrorCodes.WebhookNotFound, "The tenant has no such webhook.");

    /// <summary><c>"tenant/{tenantId}/{webhookId}"</c>.</summary>
    /// <param name="tenantId">A valid tenant id.</param>
    /// <param name="webhookId">A valid endpoint id.</param>
    public static string WebhookKey(string tenantId, string webhookId) => TenantGrainKey(tenantId) + "/" + webhookId;

    /// <summary>The tenant and endpoint ids of a webhook grain key.</summary>
    /// <param name="key">A key made by <see cref="WebhookKey"/>.</param>
    public static (string TenantId, string WebhookId) WebhookIdsOf(string key)
    {
        var slash = key.LastIndexOf('/');
        return slash > 0 ? (TenantIdOf(key[..slash]), key[(slash + 1)..])
            : throw new Contracts.WorkSessionException(Contracts.ErrorCodes.InvalidId, $"'{key}' is not a webhook grain key.");
    }

    /// <summary>
    /// <c>"tenant/{tenantId}"</c>, never the bare id: Orleans' ADO.NET storage reads a key made only of hex digits
    /// as a number, so tenants "0123" and "123" would share one stored row.
    /// </summary>
    /// <param name="tenantId">A valid tenant id.</param>
    public static string TenantGrainKey(string tenantId) =>
        AgentKey.IsValidTenantId(tenantId)
            ? TenantKeyPrefix + tenantId
            : throw new Contracts.WorkSessionException(Contracts.ErrorCodes.InvalidId, $"'{tenantId}' is not a valid tenant id.");

    /// <summary>The tenant id of a tenant grain key.</summary>
    /// <param name="key">A key made by <see cref="TenantGrainKey"/>.</param>
    public static string TenantIdOf(string key) =>
        key.StartsWith(TenantKeyPrefix, StringComparison.Ordinal) && AgentKey.IsValidTenantId(key[TenantKeyPrefix.Length..])
            ? key[TenantKeyPrefix.Length..]
            : throw new Contracts.WorkSessionException(Contracts.ErrorCodes.InvalidId, $"'{key}' is not a tenant grain key.");
}
