using System.Diagnostics.CodeAnalysis;
using WorkSessions.Contracts;

namespace WorkSessions;

/// <summary>The id rules (docs/http-api.md) and the agent grain's key, <c>"{tenantId}/{agentId}"</c>.</summary>
/// <remarks>
/// Every grain call from the API formats a key, so the rules are plain ASCII loops rather than regular expressions
/// (<c>^[a-z0-9][a-z0-9-]{0,62}\z</c> and <c>^[A-Za-z0-9._@-]{1,128}\z</c>); tests hold them equal to those patterns.
/// </remarks>
public static class AgentKey
{
    /// <summary>The longest tenant id.</summary>
    public const int MaxTenantIdLength = 63;

    /// <summary>The longest agent id.</summary>
    public const int MaxAgentIdLength = 128;

    /// <summary>Whether <paramref name="tenantId"/> is a valid tenant id.</summary>
    /// <param name="tenantId">The candidate id.</param>
    public static bool IsValidTenantId([NotNullWhen(true)] string? tenantId) => tenantId is not null && IsTenantId(tenantId);

    /// <summary>Whether <paramref name="agentId"/> is a valid agent id.</summary>
    /// <param name="agentId">The candidate id.</param>
    public static bool IsValidAgentId([NotNullWhen(true)] string? agentId) => agentId is not null && IsAgentId(agentId);

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

        return string.Concat(tenantId, "/", agentId);
    }

    /// <summary>Splits an agent grain key into its tenant and agent ids.</summary>
    /// <param name="key">A key made by <see cref="Format"/>.</param>
    /// <exception cref="WorkSessionException">With code <c>invalid_id</c> when the key is malformed.</exception>
    public static (string TenantId, string AgentId) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && IsTenantId(key.AsSpan(0, slash)) && IsAgentId(key.AsSpan(slash + 1)))
        {
            return (key[..slash], key[(slash + 1)..]);
        }

        throw new WorkSessionException(ErrorCodes.InvalidId, $"'{key}' is not a valid agent key.");
    }

    private static bool IsTenantId(ReadOnlySpan<char> id)
    {
        if (id.Length is 0 or > MaxTenantIdLength || !IsLowerAlphanumeric(id[0]))
        {
            return false;
        }

        foreach (var c in id[1..])
        {
            if (!IsLowerAlphanumeric(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAgentId(ReadOnlySpan<char> id)
    {
        if (id.Length is 0 or > MaxAgentIdLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '@' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLowerAlphanumeric(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
}
