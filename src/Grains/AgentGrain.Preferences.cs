using Microsoft.Extensions.Logging;
using WorkSessions.Contracts;
using WorkSessions.Domain;

namespace WorkSessions;

/// <summary>
/// The agent grain's preferences and team (<see cref="IAgentPreferencesTarget"/>): what the tenant's and the team's
/// pushes bring, what the agent asks for when it has no session, and the catch-up with a team push it missed
/// (docs/architecture.md#teams). Every change goes through the grain's one command path.
/// </summary>
internal sealed partial class AgentGrain
{
    public async Task<bool> ApplyPreferences(TenantPreferences preferences)
    {
        ArgumentNullException.ThrowIfNull(preferences);
        _fence.Heard(preferences);
        var held = Current.Preferences;
        // A deadline now past is left to the timer RunAsync arms at once: the push never waits for a prompt's write (docs/architecture.md#push-storms).
        await RunAsync(new WorkSessionCommand.ApplyPreferences(preferences, ActOnDeadlines: false), checkpointIfDue: false);
        if (Current.Session is not null && Current.Preferences != held)
        {
            metrics.PreferencesAdopted();
        }

        return Current.Session is not null;
    }

    public async Task<string?> JoinTeam(TeamMembership team)
    {
        ArgumentNullException.ThrowIfNull(team);
        var previous = Current.Team?.TeamId;
        await ApplyTeamAsync(team);
        return previous;
    }

    public async Task LeaveTeam(string teamId)
    {
        if (Current.Team?.TeamId == teamId)
        {
            await ApplyTeamAsync(null);
        }
    }

    public async Task TeamChanged(TeamMembership team)
    {
        ArgumentNullException.ThrowIfNull(team);
        if (TeamRules.TakesPush(Current.Team, team))
        {
            await ApplyTeamAsync(team);
        }
    }

    public Task Reannounce()
    {
        _tenant.AnnounceOpenSession(GrainFactory, Current);
        return Task.CompletedTask;
    }

    public async Task<EffectivePreferences> GetEffectivePreferences()
    {
        await RefreshPreferencesWithoutSessionAsync();
        return TeamRules.Effective(Current.Preferences.Preferences, Current.Team);
    }

    private async Task RefreshPreferencesWithoutSessionAsync()
    {
        if (Current.Session is null)
        {
            var preferences = await ReadPreferencesAsync();
            _fence.Heard(preferences);
            await RunAsync(new WorkSessionCommand.ApplyPreferences(preferences));
        }
    }

    /// <summary>Applies the team's change and counts it when it reached an open session.</summary>
    private async Task ApplyTeamAsync(TeamMembership? team)
    {
        var held = Current.Team;
        await RunAsync(new WorkSessionCommand.ApplyTeam(team));
        if (Current.Session is not null && Current.Team != held)
        {
            metrics.TeamAdopted();
        }
    }

    /// <summary>Asks the agent's team how it holds the agent now (served from memory) and adopts a push it missed (<see cref="TeamRules.CatchesUp"/>).</summary>
    private async Task CatchUpWithTeamAsync()
    {
        if (Current.Team is { } held
            && await AgentTeamLink.TryAskAsync(GrainFactory, _tenant.TenantId, _tenant.AgentId, held, logger, Key) is (true, var answer)
            && ReferenceEquals(Current.Team, held)
            && TeamRules.CatchesUp(held, answer))
        {
            await ApplyTeamAsync(answer);
        }
    }

    private async Task<TenantPreferences> ReadPreferencesAsync()
    {
        var preferences = await _tenant.ReadPreferences(GrainFactory);
        _tenant.PreferencesRead(timeProvider.GetUtcNow());
        return preferences;
    }
}
