using System.Collections.Concurrent;
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
    private readonly ConcurrentDictionary<string, byte> _open = new(StringComparer.Ordinal);

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
            "Agents with an open session that adopted a new preferences version pushed by their tenant: a change has reached every open session when this grew by the roster's size.");
        _meter.CreateObservableGauge("worksessions.sessions.open", () => (long)_open.Count, "{session}",
            "Open work sessions held by this silo's agent activations.");
    }

    /// <summary>Records one stored transition of an agent: its events, and whether the agent now holds an open session.</summary>
    internal void Record(string agentKey, IReadOnlyList<AgentEvent> events, bool sessionOpen)
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

        if (sessionOpen)
        {
            _open.TryAdd(agentKey, 0);
        }
        else
        {
            _open.TryRemove(agentKey, out _);
        }
    }

    /// <summary>Counts an open session that adopted a new preferences version from a push.</summary>
    internal void PreferencesAdopted() => _preferencesAdopted.Add(1);

    /// <summary>Counts a heartbeat.</summary>
    internal void Heartbeat() => _heartbeats.Add(1);

    /// <summary>An activation went away: its open session, if any, is counted again wherever it comes back.</summary>
    internal void Forget(string agentKey) => _open.TryRemove(agentKey, out _);

    /// <summary>The reason's name as the HTTP API spells it, so dashboards and the API agree.</summary>
    private static string ReasonTag(EndReason reason) => reason switch
    {
        EndReason.AgentEnded => "agentEnded",
        EndReason.InactivityTimeout => "inactivityTimeout",
        EndReason.EndedBySupervisor => "endedBySupervisor",
        EndReason.EndedByAdmin => "endedByAdmin",
        EndReason.FeatureDisabled => "featureDisabled",
        _ => reason.ToString(),
    };
}
