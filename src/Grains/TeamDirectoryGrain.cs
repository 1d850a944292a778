using System.Collections.Immutable;
using WorkSessions.Contracts;
using WorkSessions.Domain;
using WorkSessions.Hosting;

namespace WorkSessions;

/// <summary>
/// A tenant's team directory (docs/architecture.md#teams): one small entry per team, kept by the team grains'
/// announcements, with an ordered index of the ids and an index from supervisor to teams so that a page of teams and a
/// supervisor's teams cost what they answer. Reads interleave; announcements run one at a time.
/// </summary>
[GrainType("teams")]
internal sealed class TeamDirectoryGrain(
    [PersistentState(StateNames.TeamDirectory, StorageNames.WorkSessions)] IPersistentState<TeamDirectoryState> state)
    : Grain, ITeamDirectoryGrain, ITeamDirectoryUpdates
{
    private const int MaximumPageSize = 1000;

    private readonly Dictionary<string, TeamSummary> _teams = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedIdList> _bySupervisor = new(StringComparer.Ordinal);
    private SortedIdList _order = new();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var team in state.State.Teams)
        {
            Index(team);
        }

        return Task.CompletedTask;
    }

    public Task<TeamDirectoryPage> List(string? afterTeamId, int limit, string? supervisorId)
    {
        if (limit is < 1 or > MaximumPageSize)
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"limit must be between 1 and {MaximumPageSize}.");
        }

        var ids = supervisorId is null ? _order : _bySupervisor.GetValueOrDefault(supervisorId);
        var page = ids is null ? [] : ids.After(afterTeamId).Take(limit + 1).Select(teamId => _teams[teamId]).ToList();
        if (page.Count <= limit)
        {
            return Task.FromResult(new TeamDirectoryPage(page, null));
        }

        page.RemoveAt(limit);
        return Task.FromResult(new TeamDirectoryPage(page, page[^1].TeamId));
    }

    public Task<ImmutableArray<string>> TeamsOf(string supervisorId) =>
        Task.FromResult(_bySupervisor.TryGetValue(supervisorId, out var teams) ? [.. teams.After(null)] : ImmutableArray<string>.Empty);

    public async Task Announce(string teamId, long version, TeamSummary? team)
    {
        var known = _teams.TryGetValue(teamId, out var listed) ? listed.Version : state.State.Deleted.GetValueOrDefault(teamId);
        if (version < known || (team is null && !_teams.ContainsKey(teamId) && version == known) || team == listed)
        {
            // Older than what the directory holds (an announcement overtaken by a later one), or nothing new.
            return;
        }

        var teams = state.State.Teams.Where(entry => entry.TeamId != teamId).ToList();
        var deleted = new Dictionary<string, long>(state.State.Deleted, StringComparer.Ordinal);
        if (team is null)
        {
            deleted[teamId] = version;
        }
        else
        {
            teams.Add(team);
            deleted.Remove(teamId);
        }

        var previous = state.State;
        state.State = new TeamDirectoryState { Teams = teams, Deleted = deleted };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = previous;
            throw;
        }

        if (listed is not null)
        {
            Unindex(listed);
        }

        if (team is not null)
        {
            Index(team);
        }
    }

    private void Index(TeamSummary team)
    {
        _teams[team.TeamId] = team;
        _order.Add(team.TeamId);
        foreach (var supervisor in team.Supervisors)
        {
            if (!_bySupervisor.TryGetValue(supervisor, out var teams))
            {
                _bySupervisor[supervisor] = teams = new SortedIdList();
            }

            teams.Add(team.TeamId);
        }
    }

    private void Unindex(TeamSummary team)
    {
        _teams.Remove(team.TeamId);
        _order.Remove(team.TeamId);
        foreach (var supervisor in team.Supervisors)
        {
            if (_bySupervisor.TryGetValue(supervisor, out var teams) && teams.Remove(team.TeamId) && !teams.After(null).Any())
            {
                _bySupervisor.Remove(supervisor);
            }
        }
    }
}

/// <summary>A tenant's team directory as stored: one entry per team, and the versions of the teams deleted.</summary>
internal sealed class TeamDirectoryState
{
    /// <summary>The teams that exist, in no particular order.</summary>
    public List<TeamSummary> Teams { get; set; } = [];

    /// <summary>
    /// The version each deleted team was deleted at, so that an announcement of the team from before its deletion,
    /// arriving late, cannot bring it back.
    /// </summary>
    public Dictionary<string, long> Deleted { get; set; } = new(StringComparer.Ordinal);
}
