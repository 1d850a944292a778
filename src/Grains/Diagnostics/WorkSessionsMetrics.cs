using System.Diagnostics.Metrics;
using WorkSessions.Contracts;

namespace WorkSessions.Diagnostics;

/// <summary>
/// The product's own metrics, on the <see cref="MeterName"/> meter, recorded where the agent grain publishes a stored
/// transition's events. Counters are per process; sum them over silos. The open-session gauge counts the activations on
/// this silo that hold an open session, so its sum over live silos is the cluster's count even after a silo is lost (the
/// sessions it held are counted again where their grains come back).
/// </summary>
public sealed class WorkSessionsMetrics
{
    /// <summary>The meter's name, to list in an OpenTelemetry meter provider.</summary>
    public const string MeterName = "WorkSessions";

    /// <summary>The meters a host exports besides <see cref="MeterName"/>: Orleans' own and the .NET runtime's.</summary>
    public static readonly IReadOnlyList<string> PlatformMeters = ["Microsoft.Orleans", "System.Runtime"];

    private readonly Meter _meter;
    private readonly Counter<long> _started;
    private readonly Counter<long> _ended;
    private readonly Counter<long> _autoEnded;
    private readonly Counter<long> _warnings;
    private readonly Counter<long> _continues;
    private readonly Counter<long> _heartbeats;
    private readonly Counter<long> _preferencesAdopted;

    // A count, not a set of agent keys: each activation says when it starts and stops holding an open session, so the
    // gauge costs no memory per session.
    private long _open;

    /// <summary>Created by the container, on its meter factory.</summary>
    public WorkSessionsMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _started = _meter.CreateCounter<long>("worksessions.sessions.started", "{session}", "Work sessions started.");
        _ended = _meter.CreateCounter<long>("worksessions.sessions.ended", "{session}", "Work sessions ended, by end reason (tag reason).");
        _autoEnded = _meter.CreateCounter<long>("worksessions.sessions.auto_ended", "{session}", "Work sessions auto-ended for inactivity.");
        _warnings = _meter.CreateCounter<long>("worksessions.warnings", "{warning}", "Inactivity prompts shown.");
        _continues = _meter.CreateCounter<long>("worksessions.continues", "{continue}", "Inactivity prompts answered with Continue.");
        _heartbeats = _meter.CreateCounter<long>("worksessions.heartbeats", "{heartbeat}", "Heartbeats received by agent grains.");
        _preferencesAdopted = _meter.CreateCounter<long>("worksessions.preferences.adopted", "{agent}",
            "Agents with an open session that adopted changed preferences, by where the change came from (tag source: tenant, team): a tenant's change has reached every open session when source=tenant grew by the roster's size, a team's when source=team grew by its members with an open session.");
        _meter.CreateObservableGauge("worksessions.sessions.open", () => Interlocked.Read(ref _open), "{session}",
            "Open work sessions held by this silo's agent activations.");
    }

    /// <summary>Records the events of one stored transition of an agent.</summary>
    internal void Record(IReadOnlyList<AgentEvent> events)
    {
        foreach (var agentEvent in events)
        {
            switch (agentEvent)
            {
                case SessionStarted:
                    _started.Add(1);
                    break;
                case InactivityWarned:
                    _warnings.Add(1);
                    break;
                case WarningCleared { Cause: WarningClearedCause.Continued }:
                    _continues.Add(1);
                    break;
                case SessionEnded ended:
                    _ended.Add(1, new KeyValuePair<string, object?>("reason", ReasonTag(ended.Record.EndReason)));
                    if (ended.Record.EndReason == EndReason.InactivityTimeout)
                    {
                        _autoEnded.Add(1);
                    }

                    break;
            }
        }

    }

    /// <summary>
    /// An activation started (true) or stopped (false) holding an open session: its session ended, or the activation went
    /// away and its session is counted again wherever it comes back.
    /// </summary>
    internal void OpenSessionHeld(bool held) => Interlocked.Add(ref _open, held ? 1 : -1);

    /// <summary>Counts an open session that adopted a new preferences version from its tenant's push.</summary>
    internal void PreferencesAdopted() => _preferencesAdopted.Add(1, new KeyValuePair<string, object?>("source", "tenant"));

    /// <summary>
    /// Counts an open session that adopted a change of its team: other overrides, another team, or none (its team was
    /// deleted or let it go), whether pushed by the team or caught up on a wake-up.
    /// </summary>
    internal void TeamAdopted() => _preferencesAdopted.Add(1, new KeyValuePair<string, object?>("source", "team"));

    /// <summary>Counts a heartbeat.</summary>
    internal void Heartbeat() => _heartbeats.Add(1);

    /// <summary>The reason's name as the HTTP API spells it, so dashboards and the API agree.</summary>
    private static string ReasonTag(EndReason reason) => reason switch
    {
        EndReason.AgentEnded => "agentEnded",
        EndReason.InactivityTimeout => "inactivityTimeout",
        EndReason.EndedBySupervisor => "endedBySupervisor",
        EndReason.EndedByAdmin => "endedByAdmin",
        EndReason.FeatureDisabled => "featureDisabled",
        EndReason.ClientGone => "clientGone",
        _ => reason.ToString(),
    };
}
