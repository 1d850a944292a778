namespace WorkSessions.Contracts;

/// <summary>
/// Which open sessions a roster page lists (docs/architecture.md#the-roster). Every field narrows the page; null
/// leaves it open.
/// </summary>
/// <param name="TeamIds">
/// The teams whose agents are listed; null for every agent (in a team or not). An empty list lists nobody: the scope of a
/// supervisor of no team.
/// </param>
/// <param name="Status">Only agents in this status (<see cref="AgentStatus.Ready"/>, <see cref="AgentStatus.NotReady"/> or <see cref="AgentStatus.Occupied"/>).</param>
/// <param name="State">Only sessions in this state (<see cref="SessionState.Active"/> or <see cref="SessionState.Warned"/>).</param>
/// <param name="Search">Only agents whose id holds this text, compared case-insensitively; 1 to <see cref="AgentKey.MaxAgentIdLength"/> characters of an agent id.</param>
[GenerateSerializer, Immutable, Alias("WorkSessions.RosterQuery")]
public sealed record RosterQuery(
    [property: Id(0)] IReadOnlyList<string>? TeamIds = null,
    [property: Id(1)] AgentStatus? Status = null,
    [property: Id(2)] SessionState? State = null,
    [property: Id(3)] string? Search = null)
{
    /// <summary>Every open session.</summary>
    public static RosterQuery All { get; } = new();

    /// <summary>Whether the query filters on anything an entry of the roster must be read for (status, state, search).</summary>
    public bool ReadsEntries => Status is not null || State is not null || Search is not null;

    /// <summary>The query as given, or a rejection: the grain and the Gateway apply the same rules.</summary>
    /// <param name="query">The query; null for every open session.</param>
    /// <exception cref="WorkSessionException">
    /// <c>invalid_id</c> for a team id off the pattern of tenant ids; <c>invalid_argument</c> for another status or state,
    /// more than <see cref="MaxTeams"/> teams, or a search that cannot be part of an agent id.
    /// </exception>
    public static RosterQuery Validate(RosterQuery? query)
    {
        query ??= All;
        if (query.TeamIds is { } teamIds)
        {
            if (teamIds.Count > MaxTeams)
            {
                throw new WorkSessionException(ErrorCodes.InvalidArgument, $"A roster query names at most {MaxTeams} teams.");
            }

            foreach (var teamId in teamIds)
            {
                if (!AgentKey.IsValidTenantId(teamId))
                {
                    throw new WorkSessionException(ErrorCodes.InvalidId, $"'{teamId}' is not a valid team id.");
                }
            }
        }

        if (query.Status is { } status && status is not (AgentStatus.Ready or AgentStatus.NotReady or AgentStatus.Occupied))
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, "status is one of ready, notReady, occupied.");
        }

        if (query.State is { } state && state is not (SessionState.Active or SessionState.Warned))
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, "state is one of open, active, warned.");
        }

        if (query.Search is { } search && !AgentKey.IsValidAgentId(search))
        {
            throw new WorkSessionException(
                ErrorCodes.InvalidArgument,
                $"q is 1 to {AgentKey.MaxAgentIdLength} characters that an agent id may hold (letters, digits, '.', '_', '@', '-').");
        }

        return query;
    }

    /// <summary>The most teams one query names: every team of the largest tenant (DESIGN §8).</summary>
    public const int MaxTeams = 1000;
}

/// <summary>
/// The counts of a tenant's open sessions, or of the sessions of some of its teams, as the roster holds them: read in
/// O(1) for the whole tenant and O(teams) for a set of teams, never by walking the roster.
/// </summary>
/// <param name="Open">Open sessions.</param>
/// <param name="Active">Open sessions with no pending prompt.</param>
/// <param name="Warned">Open sessions whose inactivity prompt is pending.</param>
/// <param name="Ready">Agents ready.</param>
/// <param name="NotReady">Agents not ready.</param>
/// <param name="Occupied">Agents occupied (in an engagement).</param>
/// <param name="NotReadyByReason">The not-ready agents per reason code; only reasons with at least one agent.</param>
/// <remarks>
/// Right after the tenant grain activates, sessions it rebuilt from the report tables count in <see cref="Open"/> only,
/// until their agents re-announce them (within one wake-up period): the tables do not hold the live status.
/// </remarks>
[GenerateSerializer, Immutable, Alias("WorkSessions.RosterSummary")]
public sealed record RosterSummary(
    [property: Id(0)] int Open,
    [property: Id(1)] int Active,
    [property: Id(2)] int Warned,
    [property: Id(3)] int Ready,
    [property: Id(4)] int NotReady,
    [property: Id(5)] int Occupied,
    [property: Id(6)] IReadOnlyDictionary<string, int> NotReadyByReason);
