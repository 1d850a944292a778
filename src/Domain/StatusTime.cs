using WorkSessions.Contracts;

namespace WorkSessions.Domain;

/// <summary>A stretch of time in one status: from <see cref="Start"/> up to, not including, <see cref="End"/>.</summary>
/// <param name="Start">When the status began.</param>
/// <param name="End">When it ended, or the instant it is counted up to.</param>
/// <param name="Status">The status.</param>
/// <param name="Reason">The not-ready reason code, or null.</param>
internal readonly record struct StatusPeriod(DateTimeOffset Start, DateTimeOffset End, AgentStatus Status, string? Reason);

/// <summary>
/// Time per status, the one rule for it (docs/architecture.md#time-per-status): a period counts its seconds
/// towards its status — not-ready time also towards its reason — offline time counts nowhere, and a period that
/// ends before it starts (a clock that went back) counts nothing. The state machine keeps a session's totals with
/// it, the reports build timecards and open sessions with it, and the console is given its figures.
/// </summary>
internal sealed class StatusTime
{
    private readonly SortedDictionary<string, double>? _notReadyByReason;

    /// <summary>Nothing accrued yet, counting not-ready time per reason too.</summary>
    public StatusTime()
    {
        _notReadyByReason = new(StringComparer.Ordinal);
    }

    /// <summary>Totals accrued so far, without reasons (a session's totals, as the state machine keeps them).</summary>
    public StatusTime(double readySeconds, double notReadySeconds, double occupiedSeconds)
    {
        (ReadySeconds, NotReadySeconds, OccupiedSeconds) = (readySeconds, notReadySeconds, occupiedSeconds);
    }

    public double ReadySeconds { get; private set; }

    public double NotReadySeconds { get; private set; }

    public double OccupiedSeconds { get; private set; }

    /// <summary>Seconds not ready per reason code ("" for none); empty when made from totals without reasons.</summary>
    public IReadOnlyDictionary<string, double> NotReadyByReason =>
        _notReadyByReason ?? (IReadOnlyDictionary<string, double>)new Dictionary<string, double>();

    /// <summary>The seconds <paramref name="period"/> counts: its length, never below zero.</summary>
    public static double Seconds(StatusPeriod period) => Math.Max(0, (period.End - period.Start).TotalSeconds);

    /// <summary>Adds the period's seconds to its status (and reason); returns the seconds counted.</summary>
    public double Add(StatusPeriod period)
    {
        var seconds = Seconds(period);
        switch (period.Status)
        {
            case AgentStatus.Ready:
                ReadySeconds += seconds;
                break;
            case AgentStatus.NotReady:
                NotReadySeconds += seconds;
                if (_notReadyByReason is not null)
                {
                    var key = period.Reason ?? "";
                    _notReadyByReason[key] = _notReadyByReason.GetValueOrDefault(key) + seconds;
                }

                break;
            case AgentStatus.Occupied:
                OccupiedSeconds += seconds;
                break;
            default:
                return 0;
        }

        return seconds;
    }
}
