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

    /// <summary>The reports and event feed of a tenant.</summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="tenantId">A valid tenant id.</param>
    public static IReportGrain GetReportGrain(this IGrainFactory grains, string tenantId) =>
        GrainReferences<IReportGrain>.Get(grains, TenantGrainKey(tenantId));

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
