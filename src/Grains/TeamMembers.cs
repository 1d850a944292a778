using WorkSessions.Contracts;
using WorkSessions.Domain;

namespace WorkSessions;

/// <summary>
/// A team grain's members in memory (docs/architecture.md#teams): a set for lookups, the same ids in order so that a page
/// costs the page, and the agents a change is adding but has not stored yet (an agent that activates meanwhile asks its
/// team, and must hear it is a member). Not thread-safe: the grain's turns serialize it.
/// </summary>
internal sealed class TeamMembers
{
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);
    private readonly HashSet<string> _joining = new(StringComparer.Ordinal);
    private SortedIdList _order = new();

    /// <summary>How many stored members.</summary>
    public int Count => _members.Count;

    /// <summary>Forgets every member: the team was created anew or deleted.</summary>
    public void Clear()
    {
        _members.Clear();
        _order = new();
    }

    /// <summary>Whether <paramref name="agentId"/> is a stored member.</summary>
    public bool Contains(string agentId) => _members.Contains(agentId);

    /// <summary>Whether <paramref name="agentId"/> is a member, or one being added.</summary>
    public bool HoldsOrIsAdding(string agentId) => _members.Contains(agentId) || _joining.Contains(agentId);

    /// <summary>A copy of the stored members, for a change to work on before it is stored.</summary>
    public HashSet<string> Copy() => new(_members, StringComparer.Ordinal);

    /// <summary>Marks agents as being added until <see cref="DoneAdding"/>.</summary>
    public void Adding(IEnumerable<string> agentIds) => _joining.UnionWith(agentIds);

    /// <summary>The change that was adding <paramref name="agentIds"/> is stored or failed.</summary>
    public void DoneAdding(IEnumerable<string> agentIds) => _joining.ExceptWith(agentIds);

    /// <summary>Applies a stored change.</summary>
    public void Apply(IEnumerable<string> added, IEnumerable<string> removed)
    {
        foreach (var agentId in added)
        {
            _members.Add(agentId);
            _order.Add(agentId);
        }

        foreach (var agentId in removed)
        {
            _members.Remove(agentId);
            _order.Remove(agentId);
        }
    }

    /// <summary>Up to <paramref name="limit"/> members ordinally after <paramref name="afterAgentId"/>, and the next page's cursor.</summary>
    /// <exception cref="WorkSessionException"><c>invalid_argument</c> for a limit outside 1 to <see cref="TeamRules.MaximumMembersPerChange"/>.</exception>
    public TeamMembersPage Page(string? afterAgentId, int limit)
    {
        if (limit is < 1 or > TeamRules.MaximumMembersPerChange)
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"limit must be between 1 and {TeamRules.MaximumMembersPerChange}.");
        }

        var page = _order.After(afterAgentId).Take(limit + 1).ToList();
        if (page.Count <= limit)
        {
            return new TeamMembersPage(page, null);
        }

        page.RemoveAt(limit);
        return new TeamMembersPage(page, page[^1]);
    }
}
