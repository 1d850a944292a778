using System.Globalization;
using CsCheck;
using WorkSessions.Contracts;
using WorkSessions.Domain.Limits;

namespace WorkSessions.Domain.Tests.Properties;

/// <summary>One thing that happens to an agent in a random sequence: a command, or the clock moving.</summary>
internal abstract record Command;

internal sealed record StartCommand(AgentStatus Status, string? Reason) : Command;

internal sealed record ActivityCommand : Command;

internal sealed record ContinueCommand : Command;

internal sealed record SetStatusCommand(AgentStatus Status, string? Reason) : Command;

internal sealed record EndCommand(ActorRole Role, string? Note) : Command;

internal sealed record BeginEngagementCommand(string EngagementId) : Command;

internal sealed record EndEngagementCommand(string EngagementId) : Command;

internal enum Staleness
{
    Newer,
    Equal,
    Older,
}

/// <summary>
/// The tenant pushes preferences; <see cref="Staleness"/> picks a newer, the same or an older version than the agent
/// holds (older: the tenant was restored from a backup, and its version is the one that counts).
/// </summary>
internal sealed record PreferencesCommand(bool Enabled, bool AutoEnd, int TimeoutSeconds, int GraceSeconds, Staleness Staleness, string UpdatedBy) : Command
{
    /// <summary>The tenant's not-ready limits (docs/architecture.md#limits).</summary>
    public NotReadyLimit[] Limits { get; init; } = [];

    /// <summary>The tenant's client-gone rule (docs/architecture.md#client-presence); null is off.</summary>
    public int? ClientGoneSeconds { get; init; }

    public ClientGoneAction ClientGoneAction { get; init; }

    public override string ToString() =>
        $"PreferencesCommand {{ Enabled = {Enabled}, AutoEnd = {AutoEnd}, TimeoutSeconds = {TimeoutSeconds}, GraceSeconds = {GraceSeconds}, Staleness = {Staleness}, UpdatedBy = {UpdatedBy}, " +
        $"Limits = [{string.Join(", ", Limits.Select(l => l.ToString()))}], ClientGoneSeconds = {ClientGoneSeconds}, ClientGoneAction = {ClientGoneAction} }}";
}

/// <summary>An event stream of the agent opened on some Gateway: the client is connected.</summary>
internal sealed record ClientConnectedCommand : Command;

/// <summary>The agent's last event stream closed (or its Gateway's lease lapsed) now: the client-gone clock starts.</summary>
internal sealed record ClientAbsentCommand : Command;

/// <summary>
/// The agent's team as the team grain pushes it: joined, moved to another team, left (<paramref name="TeamId"/> null), or
/// its team's overrides changed (each null inherits the tenant's).
/// </summary>
internal sealed record TeamCommand(string? TeamId, bool? AutoEnd, int? TimeoutSeconds, int? GraceSeconds) : Command
{
    /// <summary>The team's not-ready limits: null inherits the tenant's, [] limits nothing (docs/architecture.md#limits).</summary>
    public NotReadyLimit[]? Limits { get; init; }

    /// <summary>The team's shift end (docs/architecture.md#shift-end), in <see cref="TimeZone"/>.</summary>
    public ShiftEnd? ShiftEnd { get; init; }

    public string TimeZone { get; init; } = "UTC";

    public override string ToString() =>
        $"TeamCommand {{ TeamId = {TeamId}, AutoEnd = {AutoEnd}, TimeoutSeconds = {TimeoutSeconds}, GraceSeconds = {GraceSeconds}, " +
        $"Limits = {(Limits is null ? "inherit" : $"[{string.Join(", ", Limits.Select(l => l.ToString()))}]")}, ShiftEnd = {ShiftEnd}, TimeZone = {TimeZone} }}";
}

/// <summary>Time passes with the silo up: every deadline fires at its time.</summary>
internal sealed record AdvanceCommand(long Milliseconds) : Command;

/// <summary>The silo is lost: time passes with no activation, then the grain activates after an outage.</summary>
internal sealed record OutageCommand(long Milliseconds) : Command;

/// <summary>
/// A graceful deactivation (a shutdown, a deploy, a rebalancing): no timer runs until the reminder, at most one
/// period later, reactivates the grain. The same gap as an outage for the recovery rule.
/// </summary>
internal sealed record DeactivationCommand(long Milliseconds) : Command;

/// <summary>The grain fails over to a silo whose clock is behind by this much, and activates there.</summary>
internal sealed record ClockBehindCommand(long Milliseconds) : Command;

/// <summary>Preferences in force before the first command, and the commands.</summary>
internal sealed record Scenario(PreferencesCommand? Initial, Command[] Commands)
{
    public override string ToString() =>
        $"initial preferences: {Initial?.ToString() ?? "defaults"}{Environment.NewLine}" +
        string.Join(Environment.NewLine, Commands.Select((c, i) => $"{i,3}: {c}"));
}

/// <summary>How often each kind of command appears; two profiles stress different parts of the table.</summary>
internal sealed record Profile(
    string Name,
    int Start,
    int Activity,
    int Continue,
    int SetStatus,
    int End,
    int BeginEngagement,
    int EndEngagement,
    int Preferences,
    int Advance,
    int Outage,
    int Deactivation,
    int ClockBehind,
    int Presence,
    int MaxTimeoutSeconds,
    int MaxGraceSeconds,
    int MaxCommands)
{
    public static Profile Mixed { get; } = new("mixed", 8, 8, 6, 6, 3, 5, 5, 4, 20, 2, 2, 2, 5, 600, 240, 60);

    public static Profile IdleAgents { get; } = new("idle agents", 6, 2, 4, 3, 1, 2, 2, 5, 25, 5, 4, 2, 4, 120, 60, 50);
}

internal static class ScenarioGen
{
    public static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    /// <summary>Where every sequence's clock starts (the runner's origin).</summary>
    public static readonly DateTimeOffset Origin = new(2025, 1, 6, 7, 0, 0, TimeSpan.Zero);

    private static readonly string[] EngagementIds = ["call-1", "call-2", "chat-3"];

    private static readonly Gen<(AgentStatus Status, string? Reason)> OwnStatus = Gen.Frequency(
        (6, Gen.Const<(AgentStatus, string?)>((AgentStatus.Ready, null))),
        (4, Gen.OneOf("lunch", "break", "training").Select(r => (AgentStatus.NotReady, (string?)r))),
        (1, Gen.OneOf<string?>(null, "", " ").Select(r => (AgentStatus.NotReady, r))),
        (1, Gen.Const<(AgentStatus, string?)>((AgentStatus.Offline, null))),
        (1, Gen.Const<(AgentStatus, string?)>((AgentStatus.Occupied, null))));

    private static readonly Gen<long> Millis = Gen.Frequency(
        (3, Gen.Int[0, 2_000].Select(ms => (long)ms)),
        (4, Gen.Int[1, 120].Select(s => s * 1000L)),
        (2, Gen.Int[120, 1_200].Select(s => s * 1000L)),
        (1, Gen.Int[0, 3_600_000].Select(ms => (long)ms)));

    public static Gen<Scenario> For(Profile p)
    {
        var timeout = Gen.Frequency((3, Gen.Int[1, 60]), (1, Gen.Int[1, p.MaxTimeoutSeconds]));
        var grace = Gen.Frequency((3, Gen.Int[1, 30]), (1, Gen.Int[1, p.MaxGraceSeconds]));
        var engagement = Gen.OneOf(EngagementIds);
        var preferencesOnly = Gen.Select(
            Gen.Frequency((5, Gen.Const(true)), (1, Gen.Const(false))),
            Gen.Frequency((4, Gen.Const(true)), (1, Gen.Const(false))),
            timeout,
            grace,
            Gen.Frequency((8, Gen.Const(Staleness.Newer)), (1, Gen.Const(Staleness.Equal)), (1, Gen.Const(Staleness.Older))),
            Gen.OneOf("admin-1", "admin-2"),
            (enabled, autoEnd, t, g, staleness, by) => new PreferencesCommand(enabled, autoEnd, t, g, staleness, by));

        // Not-ready limits short enough to be reached within a sequence, on the reasons the agent picks.
        var limit = Gen.Select(
            Gen.OneOf("lunch", "break", "training"),
            Gen.Frequency((3, Gen.Int[60, 300]), (1, Gen.Int[60, 3600])),
            Gen.Double[0, 1],
            Gen.OneOf(StatusLimitAction.Alert, StatusLimitAction.EndSession),
            (reason, max, warn, action) => new NotReadyLimit(reason, max, (int)(warn * (max - 1)), action));
        var limits = limit.Array[0, 3].Select(found => found.DistinctBy(l => l.Reason).ToArray());
        var withLimits = Gen.Select(preferencesOnly, Gen.Frequency((1, Gen.Const(Array.Empty<NotReadyLimit>())), (2, limits)), (c, l) => c with { Limits = l });
        var preferences = Gen.Select(
            withLimits,
            Gen.Frequency((1, Gen.Const((int?)null)), (3, Gen.Int[15, 120].Select(s => (int?)s))),
            Gen.OneOf(ClientGoneAction.NotReady, ClientGoneAction.EndSession),
            (c, seconds, action) => c with { ClientGoneSeconds = seconds, ClientGoneAction = action });

        // A shift end within the next hours of the sequence's clock, as the team's wall clock in one of three zones shows it.
        var shift = Gen.Select(
            Gen.OneOf("UTC", "Europe/Berlin", "America/New_York"),
            Gen.Int[0, 300],
            Gen.Frequency((2, Gen.Int[0, 5]), (1, Gen.Int[0, 60])),
            (zone, minutes, warn) => (Zone: zone, Shift: new ShiftEnd(TimeZoneInfo.ConvertTime(Origin.AddMinutes(minutes), ShiftClock.Zone(zone)).ToString("HH:mm", CultureInfo.InvariantCulture), warn)));

        var team = Gen.Select(
            Gen.Frequency((1, Gen.Const((string?)null)), (2, Gen.Const<string?>("day")), (2, Gen.Const<string?>("night"))),
            Gen.Frequency((3, Gen.Const((bool?)null)), (2, Gen.Const<bool?>(true)), (1, Gen.Const<bool?>(false))),
            Gen.Frequency((1, Gen.Const((int?)null)), (2, timeout.Select(t => (int?)t))),
            Gen.Frequency((1, Gen.Const((int?)null)), (2, grace.Select(g => (int?)g))),
            Gen.Frequency((2, Gen.Const((NotReadyLimit[]?)null)), (1, limits.Select(l => (NotReadyLimit[]?)l))),
            Gen.Frequency((1, Gen.Const(((string Zone, ShiftEnd Shift)?)null)), (2, shift.Select(s => ((string Zone, ShiftEnd Shift)?)s))),
            (id, autoEnd, t, g, l, sh) => new TeamCommand(id, autoEnd, t, g) { Limits = l, ShiftEnd = sh?.Shift, TimeZone = sh?.Zone ?? "UTC" });

        var command = Gen.Frequency<Command>(
            (p.Start, OwnStatus.Select(s => (Command)new StartCommand(s.Status, s.Reason))),
            (p.Activity, Gen.Const<Command>(new ActivityCommand())),
            (p.Continue, Gen.Const<Command>(new ContinueCommand())),
            (p.SetStatus, OwnStatus.Select(s => (Command)new SetStatusCommand(s.Status, s.Reason))),
            (p.End, Gen.Select(Gen.OneOf(ActorRole.Agent, ActorRole.Supervisor, ActorRole.Admin), Gen.OneOf<string?>(null, "note"), (r, n) => (Command)new EndCommand(r, n))),
            (p.BeginEngagement, engagement.Select(id => (Command)new BeginEngagementCommand(id))),
            (p.EndEngagement, engagement.Select(id => (Command)new EndEngagementCommand(id))),
            (p.Preferences, preferences.Select(c => (Command)c)),
            (p.Preferences, team.Select(c => (Command)c)),
            (p.Advance, Millis.Select(ms => (Command)new AdvanceCommand(ms))),
            (p.Outage, Millis.Select(ms => (Command)new OutageCommand(ms))),
            (p.Deactivation, Gen.Int[0, (int)ReminderPeriod.TotalMilliseconds].Select(ms => (Command)new DeactivationCommand(ms))),
            (p.ClockBehind, Gen.Int[1, 120_000].Select(ms => (Command)new ClockBehindCommand(ms))),
            (p.Presence, Gen.Const<Command>(new ClientConnectedCommand())),
            (p.Presence, Gen.Const<Command>(new ClientAbsentCommand())));

        var initial = Gen.Frequency(
            (9, preferences.Select(c => (PreferencesCommand?)(c with { Staleness = Staleness.Newer }))),
            (1, Gen.Const((PreferencesCommand?)null)));

        return Gen.Select(initial, command.Array[1, p.MaxCommands], (i, c) => new Scenario(i, c));
    }
}
