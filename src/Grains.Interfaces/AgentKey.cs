using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>The id rules (docs/http-api.md) and the agent grain's key, <c>"{tenantId}/{agentId}"</c>.</summary>
public static partial class AgentKey
{
    /// <summary>Whether <paramref name="tenantId"/> is a valid tenant id.</summary>
    /// <param name="tenantId">The candidate id.</param>
    public static bool IsValidTenantId([NotNullWhen(true)] string? tenantId) => tenantId is not null && TenantIdPattern().IsMatch(tenantId);

    /// <summary>Whether <paramref name="agentId"/> is a valid agent id.</summary>
    /// <param name="agentId">The candidate id.</param>
    public static bool IsValidAgentId([NotNullWhen(true)] string? agentId) => agentId is not null && AgentIdPattern().IsMatch(agentId);

    /// <summary>The agent grain key for an agent of a tenant.</summary>
    /// <param name="tenantId">A valid tenant id.</param>
    /// <param name="agentId">A valid agent id.</param>
    /// <exception cref="WorkSessionException">With code <c>invalid_id</c> when either id is invalid.</exception>
    public static string Format(string tenantId, string agentId)
    {
        if (!IsValidTenantId(tenantId))
        {
            throw new WorkSessionException(ErrorCodes.InvalidId, $"'{tenantId}' is not a valid tenant id.");
        }

        if (!IsValidAgentId(agentId))
        {
            throw new WorkSessionException(ErrorCodes.InvalidId, $"'{agentId}' is not a valid agent id.");
        }

        return $"{tenantId}/{agentId}";
    }

    /// <summary>Splits an agent grain key into its tenant and agent ids.</summary>
    /// <param name="key">A key made by <see cref="Format"/>.</param>
    /// <exception cref="WorkSessionException">With code <c>invalid_id</c> when the key is malformed.</exception>
    public static (string TenantId, string AgentId) Parse(string key)
    {
        var slash = key.IndexOf('/');
        if (slash > 0 && IsValidTenantId(key[..slash]) && IsValidAgentId(key[(slash + 1)..]))
        {
            return (key[..slash], key[(slash + 1)..]);
        }

        throw new WorkSessionException(ErrorCodes.InvalidId, $"'{key}' is not a valid agent key.");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex TenantIdPattern();

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,128}$")]
    private static partial Regex AgentIdPattern();
}
