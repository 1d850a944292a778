using WorkSessions.Contracts;
using WorkSessions.Domain;

namespace WorkSessions;

/// <summary>
/// The tenant grain's roster: agents with an open session, that session's id and what filtering needs of it (team,
/// status, not-ready reason, state), kept in agent-id order overall and per team, with counts kept as entries change,
/// so that a page costs the page and a summary the teams asked for, never the roster (docs/architecture.md#the-roster).
/// Not thread-safe: the grain's turns serialize it.
/// </summary>
internal sealed class Roster
{
    /// <summary>
    /// The most entries one page reads past the cursor when a filter (status, state, search) skips entries: a page with
    /// few matches comes back short, even empty, with a cursor to read on from, rather than walking the roster.
    /// </summary>
    public const int ScanBudget = RosterPage.ScanBudget;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SortedIdList _order = new();
    private readonly Dictionary<string, SortedIdList> _teamOrder = new(StringComparer.Ordinal);
    private readonly RosterCounts _counts = new();
    private readonly Dictionary<string, RosterCounts> _teamCounts = new(StringComparer.Ordinal);

    /// <summary>How many agents are on the roster.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Puts <paramref name="agentId"/> on the roster with <paramref name="sessionId"/>, replacing an older session. What
    /// the roster knew of the same session stays; a new session's facts are unknown until its agent tells them.
    /// </summary>
    public void Set(string agentId, Guid sessionId)
    {
        if (_entries.TryGetValue(agentId, out var known) && known.SessionId == sessionId)
        {
            return;
        }

        Put(agentId, new Entry(sessionId, null));
    }

    /// <summary>Puts <paramref name="agentId"/> on the roster with what its agent told of its open session.</summary>
    public void Set(string agentId, RosterFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        Put(agentId, new Entry(facts.SessionId, facts));
    }

    /// <summary>Puts <paramref name="agentId"/> on the roster unless it is there already.</summary>
    public void TryAdd(string agentId, Guid sessionId)
    {
        if (!_entries.ContainsKey(agentId))
        {
            Put(agentId, new Entry(sessionId, null));
        }
    }

    /// <summary>Takes <paramref name="agentId"/> off the roster when <paramref name="sessionId"/> is the session it holds.</summary>
    /// <returns>False when the agent is not there or holds a later session.</returns>
    public bool Remove(string agentId, Guid sessionId)
    {
        if (!_entries.TryGetValue(agentId, out var known) || known.SessionId != sessionId)
        {
            return false;
        }

        _entries.Remove(agentId);
        _order.Remove(agentId);
        Forget(agentId, known);
        return true;
    }

    /// <summary>Whether <paramref name="agentId"/> is on the roster.</summary>
    public bool Contains(string agentId) => _entries.ContainsKey(agentId);

    /// <summary>What the roster knows of <paramref name="agentId"/>'s session: null when not on it or not told yet.</summary>
    public RosterFacts? FactsOf(string agentId) => _entries.TryGetValue(agentId, out var entry) ? entry.Facts : null;

    /// <summary>A copy of every entry, in no particular order (for a push to the whole roster).</summary>
    public List<KeyValuePair<string, Guid>> Entries() => [.. _entries.Select(entry => KeyValuePair.Create(entry.Key, entry.Value.SessionId))];

    /// <summary>The entries of <paramref name="agentIds"/> that are on the roster.</summary>
    public List<KeyValuePair<string, Guid>> EntriesOf(IEnumerable<string> agentIds) =>
        [.. agentIds.Where(_entries.ContainsKey).Select(agentId => KeyValuePair.Create(agentId, _entries[agentId].SessionId))];

    /// <summary>
    /// Up to <paramref name="limit"/> agent ids that <paramref name="query"/> selects, ordinally after
    /// <paramref name="afterAgentId"/> (from the start when null), and the cursor of the next page: null once nothing
    /// follows. A team filter reads the teams' own lists (merged in agent-id order when several); status, state and search
    /// read at most <see cref="ScanBudget"/> entries, so a page may come back short, even empty, with a cursor (the last
    /// id it read) while entries remain. Costs the entries read, whatever the cursor's position.
    /// </summary>
    public (List<string> AgentIds, string? NextAfter) Page(RosterQuery query, string? afterAgentId, int limit, int scanBudget = ScanBudget)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scanBudget);
        var page = new List<string>(Math.Min(limit, Count));
        using var candidates = Candidates(query.TeamIds, afterAgentId).GetEnumerator();
        string? lastRead = null;
        var read = 0;
        while (page.Count < limit)
        {
            if (!candidates.MoveNext())
            {
                return (page, null);
            }

            if (read == scanBudget)
            {
                // More follow, but this page has read its share: the next one reads on after the last id read.
                return (page, lastRead);
            }

            var agentId = candidates.Current;
            read++;
            lastRead = agentId;
            if (!query.ReadsEntries || Matches(query, agentId))
            {
                page.Add(agentId);
            }
        }

        return (page, candidates.MoveNext() ? lastRead : null);
    }

    /// <summary>How many open sessions the teams hold (the whole roster when <paramref name="teamIds"/> is null): O(teams).</summary>
    public int CountOf(IReadOnlyList<string>? teamIds) =>
        teamIds is null ? Count : Distinct(teamIds).Sum(teamId => _teamCounts.TryGetValue(teamId, out var counts) ? counts.Open : 0);

    /// <summary>The counts of the whole roster, or of <paramref name="teamIds"/>' sessions: O(1), or O(teams) and their reasons.</summary>
    public RosterSummary Summary(IReadOnlyList<string>? teamIds)
    {
        if (teamIds is null)
        {
            return _counts.ToSummary();
        }

        var sum = new RosterCounts();
        foreach (var teamId in Distinct(teamIds))
        {
            if (_teamCounts.TryGetValue(teamId, out var counts))
            {
                sum.AddAll(counts);
            }
        }

        return sum.ToSummary();
    }

    private bool Matches(RosterQuery query, string agentId)
    {
        // The id first: a search reads no entry for the ids it skips.
        if (query.Search is { } search && !agentId.Contains(search, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (query.Status is null && query.State is null)
        {
            return true;
        }

        // An entry not told of yet (rebuilt from the report tables) matches no status or state: it is unknown.
        var facts = _entries[agentId].Facts;
        return facts is not null
            && (query.Status is not { } status || facts.Status == status)
            && (query.State is not { } state || facts.State == state);
    }

    private IEnumerable<string> Candidates(IReadOnlyList<string>? teamIds, string? afterAgentId)
    {
        if (teamIds is null)
        {
            return _order.After(afterAgentId);
        }

        var lists = Distinct(teamIds).Select(teamId => _teamOrder.GetValueOrDefault(teamId)).OfType<SortedIdList>().ToList();
        return lists.Count switch
        {
            0 => [],
            1 => lists[0].After(afterAgentId),
            _ => Merge(lists, afterAgentId),
        };
    }

    /// <summary>The ids of disjoint lists after <paramref name="afterAgentId"/>, in ordinal order: a heap of one reader per list.</summary>
    private static IEnumerable<string> Merge(List<SortedIdList> lists, string? afterAgentId)
    {
        var heads = new PriorityQueue<IEnumerator<string>, string>(lists.Count, StringComparer.Ordinal);
        try
        {
            foreach (var list in lists)
            {
                var reader = list.After(afterAgentId).GetEnumerator();
                if (reader.MoveNext())
                {
                    heads.Enqueue(reader, reader.Current);
                }
                else
                {
                    reader.Dispose();
                }
            }

            while (heads.TryDequeue(out var reader, out var agentId))
            {
                yield return agentId;
                if (reader.MoveNext())
                {
                    heads.Enqueue(reader, reader.Current);
                }
                else
                {
                    reader.Dispose();
                }
            }
        }
        finally
        {
            while (heads.TryDequeue(out var reader, out _))
            {
                reader.Dispose();
            }
        }
    }

    private static IEnumerable<string> Distinct(IReadOnlyList<string> teamIds) =>
        teamIds.Count == 1 ? teamIds : teamIds.Distinct(StringComparer.Ordinal);

    private void Put(string agentId, Entry entry)
    {
        if (_entries.TryGetValue(agentId, out var known))
        {
            Forget(agentId, known);
        }
        else
        {
            _order.Add(agentId);
        }

        _entries[agentId] = entry;
        _counts.Add(entry.Facts, +1);
        if (entry.Facts?.TeamId is { } teamId)
        {
            if (!_teamOrder.TryGetValue(teamId, out var members))
            {
                _teamOrder[teamId] = members = new();
                _teamCounts[teamId] = new();
            }

            members.Add(agentId);
            _teamCounts[teamId].Add(entry.Facts, +1);
        }
    }

    /// <summary>Takes an entry out of the counts and its team's list; the overall order is the caller's.</summary>
    private void Forget(string agentId, Entry entry)
    {
        _counts.Add(entry.Facts, -1);
        if (entry.Facts?.TeamId is { } teamId && _teamOrder.TryGetValue(teamId, out var members))
        {
            members.Remove(agentId);
            var counts = _teamCounts[teamId];
            counts.Add(entry.Facts, -1);
            if (counts.Open == 0)
            {
                // Teams come and go; an empty one keeps nothing.
                _teamOrder.Remove(teamId);
                _teamCounts.Remove(teamId);
            }
        }
    }

    private readonly record struct Entry(Guid SessionId, RosterFacts? Facts);
}

/// <summary>Counts of open sessions by state, status and not-ready reason, kept as entries come and go.</summary>
internal sealed class RosterCounts
{
    private readonly Dictionary<string, int> _notReadyByReason = new(StringComparer.Ordinal);

    public int Open { get; private set; }

    private int _active;
    private int _warned;
    private int _ready;
    private int _notReady;
    private int _occupied;

    /// <summary>Counts one session in (<paramref name="sign"/> +1) or out (-1); unknown facts count in <see cref="Open"/> only.</summary>
    public void Add(RosterFacts? facts, int sign)
    {
        Open += sign;
        if (facts is null)
        {
            return;
        }

        _ = facts.State switch
        {
            SessionState.Warned => _warned += sign,
            SessionState.Active => _active += sign,
            _ => 0,
        };
        _ = facts.Status switch
        {
            AgentStatus.Ready => _ready += sign,
            AgentStatus.NotReady => _notReady += sign,
            AgentStatus.Occupied => _occupied += sign,
            _ => 0,
        };
        if (facts.Status == AgentStatus.NotReady && facts.StatusReason is { } reason)
        {
            var count = _notReadyByReason.GetValueOrDefault(reason) + sign;
            if (count == 0)
            {
                _notReadyByReason.Remove(reason);
            }
            else
            {
                _notReadyByReason[reason] = count;
            }
        }
    }

    /// <summary>Adds every count of <paramref name="other"/>.</summary>
    public void AddAll(RosterCounts other)
    {
        Open += other.Open;
        _active += other._active;
        _warned += other._warned;
        _ready += other._ready;
        _notReady += other._notReady;
        _occupied += other._occupied;
        foreach (var (reason, count) in other._notReadyByReason)
        {
            _notReadyByReason[reason] = _notReadyByReason.GetValueOrDefault(reason) + count;
        }
    }

    public RosterSummary ToSummary() =>
        new(Open, _active, _warned, _ready, _notReady, _occupied, new Dictionary<string, int>(_notReadyByReason, StringComparer.Ordinal));
}
