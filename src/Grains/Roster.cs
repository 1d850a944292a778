using WorkSessions.Domain;

namespace WorkSessions;

/// <summary>
/// The tenant grain's roster: agents with an open session and that session's id, kept in agent-id order so that a page
/// of it costs the page, not the roster (docs/architecture.md#the-roster). Not thread-safe: the grain's turns serialize it.
/// </summary>
internal sealed class Roster
{
    private readonly Dictionary<string, Guid> _sessions = new(StringComparer.Ordinal);
    private readonly SortedIdList _order = new();

    /// <summary>How many agents are on the roster.</summary>
    public int Count => _sessions.Count;

    /// <summary>Puts <paramref name="agentId"/> on the roster with <paramref name="sessionId"/>, replacing an older session.</summary>
    public void Set(string agentId, Guid sessionId)
    {
        _sessions[agentId] = sessionId;
        _order.Add(agentId);
    }

    /// <summary>Puts <paramref name="agentId"/> on the roster unless it is there already.</summary>
    public void TryAdd(string agentId, Guid sessionId)
    {
        if (_sessions.TryAdd(agentId, sessionId))
        {
            _order.Add(agentId);
        }
    }

    /// <summary>Takes <paramref name="agentId"/> off the roster when <paramref name="sessionId"/> is the session it holds.</summary>
    /// <returns>False when the agent is not there or holds a later session.</returns>
    public bool Remove(string agentId, Guid sessionId)
    {
        if (!_sessions.TryGetValue(agentId, out var known) || known != sessionId)
        {
            return false;
        }

        _sessions.Remove(agentId);
        _order.Remove(agentId);
        return true;
    }

    /// <summary>Whether <paramref name="agentId"/> is on the roster.</summary>
    public bool Contains(string agentId) => _sessions.ContainsKey(agentId);

    /// <summary>A copy of every entry, in no particular order (for a push to the whole roster).</summary>
    public List<KeyValuePair<string, Guid>> Entries() => [.. _sessions];

    /// <summary>The entries of <paramref name="agentIds"/> that are on the roster.</summary>
    public List<KeyValuePair<string, Guid>> EntriesOf(IEnumerable<string> agentIds) =>
        [.. agentIds.Where(_sessions.ContainsKey).Select(agentId => KeyValuePair.Create(agentId, _sessions[agentId]))];

    /// <summary>
    /// Up to <paramref name="limit"/> agent ids ordinally after <paramref name="afterAgentId"/> (from the start when
    /// null), and the cursor of the next page: the last id returned while more follow, null on the last page.
    /// </summary>
    public (List<string> AgentIds, string? NextAfter) Page(string? afterAgentId, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var page = new List<string>(Math.Min(limit + 1, Count + 1));
        page.AddRange(_order.After(afterAgentId).Take(limit + 1));
        if (page.Count <= limit)
        {
            return (page, null);
        }

        page.RemoveAt(limit);
        return (page, page[^1]);
    }
}
