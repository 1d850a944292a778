using WorkSessions.Contracts;
using WorkSessions.Domain;

namespace WorkSessions;

/// <summary>
/// Keeps an older activation of the same agent from storing anything once this one has taken over
/// (docs/architecture.md#recovery-rule). An activation that finds an open session makes one write before it acts on
/// any deadline — the recovery rule itself, stored — so the row's etag moves and every later write of an older
/// activation (a paused silo's timers, long due, firing on their view from before the pause) is refused. Until that
/// write succeeds, every command of the activation carries the recovery rule and must be written with it: a failed
/// write leaves it pending, and the deadline timer retries it with the write backoff. Heartbeats never write.
/// </summary>
internal sealed class ActivationFence
{
    // The tenant's preferences to recover with while the fence is not stored; null once it is.
    private TenantPreferences? _recoverWith;

    /// <summary>True until this activation's first command has run with the recovery rule and, if a session was open, been stored.</summary>
    public bool Pending => _recoverWith is not null;

    /// <summary>The activation starts: the recovery rule applies with the tenant's current preferences.</summary>
    public void Activated(TenantPreferences preferences) => _recoverWith = preferences;

    /// <summary>Newer preferences heard while the fence is pending: the recovery rule judges deadlines by them.</summary>
    public void Heard(TenantPreferences preferences)
    {
        if (_recoverWith is not null)
        {
            _recoverWith = preferences;
        }
    }

    /// <summary>The command as it must run now: after the recovery rule while the fence is pending.</summary>
    public WorkSessionCommand Guard(WorkSessionCommand command) =>
        _recoverWith is not { } preferences ? command : new WorkSessionCommand.Activate(preferences, command);

    /// <summary>Whether the transition must be written although it might not need to be: the fence of an open session.</summary>
    public bool MustWrite(AgentState before) => Pending && before.Session is not null;

    /// <summary>The recovery rule is in place: stored, or there was no session to fence.</summary>
    public void Passed() => _recoverWith = null;
}
