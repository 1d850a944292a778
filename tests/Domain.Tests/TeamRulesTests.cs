using System.Collections.Immutable;
using WorkSessions.Contracts;

namespace WorkSessions.Domain.Tests;

/// <summary>Teams' bounds and the effective preferences, the team's overrides over the tenant's (docs/architecture.md#teams).</summary>
public sealed class TeamRulesTests
{
    private static readonly PreferenceRules Rules = new(MinimumInactivityTimeoutSeconds: 60, MinimumGracePeriodSeconds: 30);

    private static readonly WorkSessionPreferences Tenant = new(WorkSessionsEnabled: true, AutoEndEnabled: true, InactivityTimeoutSeconds: 1800, GracePeriodSeconds: 180);

    [Fact]
    public void Effective_NoTeam_IsTheTenantsWithEveryFieldFromTheTenant()
    {
        var effective = TeamRules.Effective(Tenant, team: null);

        Assert.Same(Tenant, effective.Preferences);
        Assert.Null(effective.TeamId);
        Assert.Equal(new PreferenceSources(PreferenceSource.Tenant, PreferenceSource.Tenant, PreferenceSource.Tenant), effective.Source);
    }

    [Fact]
    public void Effective_TeamOverridingTheTimeout_TakesTheTimeoutFromTheTeamAndTheRestFromTheTenant()
    {
        var team = new TeamMembership("night", new TeamPreferenceOverrides(InactivityTimeoutSeconds: 120), Version: 3);

        var effective = TeamRules.Effective(Tenant, team);

        Assert.Equal(Tenant with { InactivityTimeoutSeconds = 120 }, effective.Preferences);
        Assert.Equal("night", effective.TeamId);
        Assert.Equal(new PreferenceSources(PreferenceSource.Tenant, PreferenceSource.Team, PreferenceSource.Tenant), effective.Source);
    }

    [Fact]
    public void Effective_TeamOverridingEverything_KeepsTheTenantWideFields()
    {
        var tenant = Tenant with { NotReadyReasons = ["Lunch"] };
        var team = new TeamMembership("day", new TeamPreferenceOverrides(false, 600, 60), Version: 1);

        var effective = TeamRules.Effective(tenant, team);

        Assert.Equal(new WorkSessionPreferences(true, false, 600, 60) { NotReadyReasons = ["Lunch"] }, effective.Preferences);
        Assert.Equal(new PreferenceSources(PreferenceSource.Team, PreferenceSource.Team, PreferenceSource.Team), effective.Source);
    }

    [Fact]
    public void Effective_TeamOverridingNothing_FollowsTheTenant()
    {
        var effective = TeamRules.Effective(Tenant, new TeamMembership("day", TeamPreferenceOverrides.None, 1));

        Assert.Same(Tenant, effective.Preferences);
        Assert.Equal("day", effective.TeamId);
        Assert.Equal(PreferenceSource.Tenant, effective.Source.GracePeriodSeconds);
    }

    [Fact]
    public void Normalize_Defaults_TrimsAndFillsUtcAndNoOverrides()
    {
        var normalized = TeamRules.Normalize("night-shift", new TeamDefinition("  Night  ", null, [" sup-1 ", "sup-1", "sup-2"], null), Rules);

        Assert.Equal("Night", normalized.Name);
        Assert.Equal("UTC", normalized.TimeZone);
        Assert.Equal(["sup-1", "sup-2"], normalized.Supervisors.ToArray());
        Assert.Equal(TeamPreferenceOverrides.None, normalized.Preferences);
    }

    [Fact]
    public void Normalize_IanaTimeZone_IsKept()
    {
        var normalized = TeamRules.Normalize("day", new TeamDefinition("Day", "Europe/Berlin", [], null), Rules);

        Assert.Equal("Europe/Berlin", normalized.TimeZone);
    }

    public static TheoryData<string?, TeamDefinition?, string> Rejections => new()
    {
        { "Night", new TeamDefinition("n", null, [], null), ErrorCodes.InvalidId },
        { "-night", new TeamDefinition("n", null, [], null), ErrorCodes.InvalidId },
        { null, new TeamDefinition("n", null, [], null), ErrorCodes.InvalidId },
        { "night", null, ErrorCodes.InvalidArgument },
        { "night", new TeamDefinition("  ", null, [], null), ErrorCodes.InvalidArgument },
        { "night", new TeamDefinition(new string('n', 81), null, [], null), ErrorCodes.InvalidArgument },
        { "night", new TeamDefinition("n\u0007", null, [], null), ErrorCodes.InvalidArgument },
        { "night", new TeamDefinition("n", null, [.. Enumerable.Range(0, 51).Select(i => $"sup-{i}")], null), ErrorCodes.InvalidArgument },
        { "night", new TeamDefinition("n", null, [" "], null), ErrorCodes.InvalidArgument },
        { "night", new TeamDefinition("n", "Mars/Olympus", [], null), ErrorCodes.InvalidTimeZone },
        { "night", new TeamDefinition("n", "W. Europe Standard Time", [], null), ErrorCodes.InvalidTimeZone },
        { "night", new TeamDefinition("n", null, [], new TeamPreferenceOverrides(InactivityTimeoutSeconds: 59)), ErrorCodes.InvalidPreferences },
        { "night", new TeamDefinition("n", null, [], new TeamPreferenceOverrides(InactivityTimeoutSeconds: 43201)), ErrorCodes.InvalidPreferences },
        { "night", new TeamDefinition("n", null, [], new TeamPreferenceOverrides(GracePeriodSeconds: 29)), ErrorCodes.InvalidPreferences },
        { "night", new TeamDefinition("n", null, [], new TeamPreferenceOverrides(GracePeriodSeconds: 1801)), ErrorCodes.InvalidPreferences },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Normalize_OutOfBounds_IsRejectedWithItsCode(string? teamId, TeamDefinition? definition, string code)
    {
        var rejection = Assert.Throws<WorkSessionException>(() => TeamRules.Normalize(teamId, definition, Rules));

        Assert.Equal(code, rejection.Code);
    }

    [Fact]
    public void Normalize_FiftySupervisorsAndEightyCharacters_AreAllowed()
    {
        var supervisors = Enumerable.Range(0, 50).Select(i => $"sup-{i}").ToImmutableArray();

        var normalized = TeamRules.Normalize("night", new TeamDefinition(new string('n', 80), null, supervisors, null), Rules);

        Assert.Equal(50, normalized.Supervisors.Length);
    }

    [Fact]
    public void TakesPush_OnlyFromItsOwnTeam_AndNeverAnOlderVersion()
    {
        var held = new TeamMembership("night", new TeamPreferenceOverrides(InactivityTimeoutSeconds: 120), 3);

        Assert.True(TeamRules.TakesPush(held, held with { Version = 4, Preferences = TeamPreferenceOverrides.None }));
        Assert.True(TeamRules.TakesPush(held, held));
        Assert.False(TeamRules.TakesPush(held, held with { Version = 2 }));
        Assert.False(TeamRules.TakesPush(held, held with { TeamId = "day", Version = 9 }));
        Assert.False(TeamRules.TakesPush(null, held));
    }

    [Fact]
    public void CatchesUp_WithNoMembershipOrNewerOtherOverrides_ButNotAMembersOnlyChange()
    {
        var held = new TeamMembership("night", new TeamPreferenceOverrides(InactivityTimeoutSeconds: 120), 3);

        Assert.True(TeamRules.CatchesUp(held, null));
        Assert.True(TeamRules.CatchesUp(held, held with { Version = 5, Preferences = new TeamPreferenceOverrides(InactivityTimeoutSeconds: 300) }));
        Assert.False(TeamRules.CatchesUp(held, held with { Version = 5 }));
        Assert.False(TeamRules.CatchesUp(held, held with { Version = 2, Preferences = TeamPreferenceOverrides.None }));
        Assert.False(TeamRules.CatchesUp(held, held with { TeamId = "day", Version = 9, Preferences = TeamPreferenceOverrides.None }));
    }
}
