using System.Collections.Immutable;
using System.Text.RegularExpressions;
using WorkSessions.Contracts;

namespace WorkSessions.Domain;

/// <summary>
/// What a team may be (docs/architecture.md#teams), and the preferences that apply to an agent: its team's overrides
/// over its tenant's. Pure: no clock, no I/O.
/// </summary>
public static partial class TeamRules
{
    /// <summary>The longest team name, after trimming.</summary>
    public const int MaximumNameLength = 80;

    /// <summary>The most supervisors a team lists.</summary>
    public const int MaximumSupervisors = 50;

    /// <summary>The most agent ids one change of a team's members names.</summary>
    public const int MaximumMembersPerChange = 1000;

    /// <summary>The time zone of a team that names none.</summary>
    public const string DefaultTimeZone = "UTC";

    /// <summary>
    /// The definition as the team stores it (name and supervisors trimmed, the time zone <c>UTC</c> when none is given,
    /// no overrides when none are given), or a rejection naming what is wrong.
    /// </summary>
    /// <param name="teamId">The team's id: the pattern of tenant ids.</param>
    /// <param name="definition">What the admin sent.</param>
    /// <param name="rules">The bounds of each preference.</param>
    /// <param name="notReadyReasons">The tenant's not-ready reasons, which the team's not-ready limits must name.</param>
    /// <exception cref="WorkSessionException">
    /// <c>invalid_id</c>, <c>invalid_argument</c> (name, supervisors), <c>invalid_time_zone</c>, <c>invalid_preferences</c>.
    /// </exception>
    public static TeamDefinition Normalize(string? teamId, TeamDefinition? definition, PreferenceRules rules, IReadOnlyList<string>? notReadyReasons = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        if (!AgentKey.IsValidTenantId(teamId))
        {
            throw new WorkSessionException(ErrorCodes.InvalidId, $"A team id is 1 to {AgentKey.MaxTenantIdLength} lowercase letters, digits or '-', starting with a letter or digit.");
        }

        if (definition is null)
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, "The team is required.");
        }

        var name = definition.Name?.Trim() ?? "";
        if (name.Length is < 1 or > MaximumNameLength || !PrintableText.IsPrintable(name))
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"name is 1 to {MaximumNameLength} printable characters.");
        }

        var supervisors = definition.Supervisors.IsDefault ? [] : definition.Supervisors;
        if (supervisors.Length > MaximumSupervisors)
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"supervisors lists at most {MaximumSupervisors} user ids, not {supervisors.Length}.");
        }

        var trimmed = ImmutableArray.CreateBuilder<string>(supervisors.Length);
        foreach (var supervisor in supervisors)
        {
            var userId = supervisor?.Trim() ?? "";
            if (userId.Length is < 1 or > InputRules.MaxUserIdLength || !PrintableText.IsPrintable(userId))
            {
                throw new WorkSessionException(ErrorCodes.InvalidArgument, $"supervisors: a user id is 1 to {InputRules.MaxUserIdLength} printable characters.");
            }

            if (!trimmed.Contains(userId, StringComparer.Ordinal))
            {
                trimmed.Add(userId);
            }
        }

        var preferences = definition.Preferences ?? TeamPreferenceOverrides.None;
        rules.Validate(preferences, notReadyReasons ?? WorkSessionPreferences.DefaultNotReadyReasons);
        return new TeamDefinition(name, TimeZone(definition.TimeZone), trimmed.ToImmutable(), preferences);
    }

    /// <summary>
    /// The agent's effective preferences: each field the team overrides from the team, everything else from the tenant.
    /// An agent in no team follows the tenant.
    /// </summary>
    /// <param name="tenant">The tenant's preferences.</param>
    /// <param name="team">The agent's team; null when it belongs to none.</param>
    public static EffectivePreferences Effective(WorkSessionPreferences tenant, TeamMembership? team)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var overrides = team?.Preferences ?? TeamPreferenceOverrides.None;
        var source = new PreferenceSources(
            SourceOf(overrides.AutoEndEnabled),
            SourceOf(overrides.InactivityTimeoutSeconds),
            SourceOf(overrides.GracePeriodSeconds),
            SourceOf(overrides.NotReadyLimits))
        {
            ClientGoneSeconds = SourceOf(overrides.ClientGoneSeconds),
            ClientGoneAction = SourceOf(overrides.ClientGoneAction),
        };
        return new EffectivePreferences(EffectiveValues(tenant, team), team?.TeamId, source, overrides.ShiftEnd, team is null ? null : team.TimeZone ?? DefaultTimeZone);
    }

    /// <summary>
    /// The values of <see cref="Effective"/> alone, without their sources: the tenant's own instance when the team
    /// overrides nothing, so an agent in no team allocates nothing.
    /// </summary>
    /// <param name="tenant">The tenant's preferences.</param>
    /// <param name="team">The agent's team; null when it belongs to none.</param>
    public static WorkSessionPreferences EffectiveValues(WorkSessionPreferences tenant, TeamMembership? team)
    {
        if (team is null || team.Preferences == TeamPreferenceOverrides.None)
        {
            return tenant;
        }

        var overrides = team.Preferences;
        return tenant with
        {
            AutoEndEnabled = overrides.AutoEndEnabled ?? tenant.AutoEndEnabled,
            InactivityTimeoutSeconds = overrides.InactivityTimeoutSeconds ?? tenant.InactivityTimeoutSeconds,
            GracePeriodSeconds = overrides.GracePeriodSeconds ?? tenant.GracePeriodSeconds,
            NotReadyLimits = overrides.NotReadyLimits ?? tenant.NotReadyLimits,
            ClientGoneSeconds = overrides.ClientGoneSeconds ?? tenant.ClientGoneSeconds,
            ClientGoneAction = overrides.ClientGoneAction ?? tenant.ClientGoneAction,
        };
    }

    /// <summary>
    /// The agents a members change adds (each once) and the ones it removes, before anything is asked of them: at most
    /// <see cref="MaximumMembersPerChange"/> ids in all, each a valid agent id, none both added and removed.
    /// </summary>
    /// <exception cref="WorkSessionException"><c>invalid_argument</c> or <c>invalid_id</c>.</exception>
    public static (List<string> Add, List<string> Remove) CheckMembersChange(IReadOnlyList<string>? add, IReadOnlyList<string>? remove)
    {
        add ??= [];
        remove ??= [];
        if (add.Count + remove.Count > MaximumMembersPerChange)
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"add and remove name at most {MaximumMembersPerChange} agent ids in all, not {add.Count + remove.Count}.");
        }

        foreach (var agentId in add.Concat(remove))
        {
            if (!AgentKey.IsValidAgentId(agentId))
            {
                throw new WorkSessionException(ErrorCodes.InvalidId, $"'{agentId}' is not a valid agent id.");
            }
        }

        var adding = add.Distinct(StringComparer.Ordinal).ToList();
        if (adding.Intersect(remove, StringComparer.Ordinal).Any())
        {
            throw new WorkSessionException(ErrorCodes.InvalidArgument, "An agent id is both added and removed.");
        }

        return (adding, [.. remove.Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Whether an agent holding <paramref name="held"/> takes a push of <paramref name="pushed"/>: only from the team it
    /// belongs to, and never one older than what it holds (pushes of two changes may arrive out of order).
    /// </summary>
    /// <param name="held">The membership the agent holds; null in no team.</param>
    /// <param name="pushed">What its team pushed.</param>
    public static bool TakesPush(TeamMembership? held, TeamMembership pushed)
    {
        ArgumentNullException.ThrowIfNull(pushed);
        return held is not null && held.TeamId == pushed.TeamId && held.Version <= pushed.Version;
    }

    /// <summary>
    /// Whether an agent holding <paramref name="held"/> adopts its team's <paramref name="answer"/> to a wake-up's
    /// question, a push it missed: no membership at all (the team was deleted or let the agent go), or other overrides
    /// at a version not older than the one held. A version that changed only the team's members or name is not adopted:
    /// that would be a write per member for nothing.
    /// </summary>
    /// <param name="held">The membership the agent holds.</param>
    /// <param name="answer">How the team holds the agent now; null when it does not.</param>
    public static bool CatchesUp(TeamMembership held, TeamMembership? answer)
    {
        ArgumentNullException.ThrowIfNull(held);
        return answer is null
            || (answer.TeamId == held.TeamId && answer.Version >= held.Version && (answer.Preferences != held.Preferences || answer.TimeZone != held.TimeZone));
    }

    private static PreferenceSource SourceOf<T>(T? value)
        where T : struct => value is null ? PreferenceSource.Tenant : PreferenceSource.Team;

    /// <summary>Whether a team change must reach its agents: other overrides, or another time zone (the shift's end is in it).</summary>
    /// <param name="before">The team before the change.</param>
    /// <param name="after">The team after it.</param>
    public static bool AgentsMustLearn(Team before, Team after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return after.Preferences != before.Preferences || after.TimeZone != before.TimeZone;
    }

    private static string TimeZone(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return DefaultTimeZone;
        }

        try
        {
            // IANA names only, as the reports take them: a Windows name would mean different things on different hosts.
            var zone = name.Length <= 64 && IanaName().IsMatch(name) ? TimeZoneInfo.FindSystemTimeZoneById(name) : null;
            if (zone is { HasIanaId: true })
            {
                return name;
            }
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException or IOException or UnauthorizedAccessException)
        {
        }

        throw new WorkSessionException(ErrorCodes.InvalidTimeZone, $"'{name}' is not an IANA time zone name (e.g. Europe/Berlin).");
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex IanaName();
}
