using WorkSessions.Diagnostics;

namespace WorkSessions;

/// <summary>
/// One agent activation's share of the open-session gauge: counted once while it holds an open session. A mutable
/// struct held in a field of the grain, so it costs no object of its own.
/// </summary>
internal struct OpenSessionGauge
{
    private bool _counted;

    /// <summary>The activation holds an open session, or not.</summary>
    public void Hold(bool open, WorkSessionsMetrics metrics)
    {
        if (open != _counted)
        {
            _counted = open;
            metrics.OpenSessionHeld(open);
        }
    }
}
