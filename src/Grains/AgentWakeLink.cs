using Microsoft.Extensions.Logging;
using WorkSessions.Domain;

namespace WorkSessions;

/// <summary>
/// The agent grain's side of its wake shard (docs/architecture.md#timers-and-reminders): it joins before the write
/// that opens a session, says where it runs when it activates with something to be woken for, says it went away when
/// it deactivates, and leaves once nothing is left (no session, every report event delivered). If the shard cannot be
/// reached it keeps the per-agent wake-up reminder instead, which the next tick retires by joining. Never on the
/// heartbeat path. Made once per activation, bound to its grain, shard and location, so the grain only says what it
/// needs; a class, not a struct: its async methods change its fields.
/// </summary>
internal sealed class AgentWakeLink(Grain grain, IWakeShard shard, WakeLocation here, TimeSpan period, ILogger logger)
{
    // The session this agent is a member of its shard with (Guid.Empty: report events only); null when not a member.
    private Guid? _joined;

    // The wake-up reminder is registered (a stored one from before wake shards, or the fallback of a failed join).
    private bool _reminderHeld;

    /// <summary>The session the agent is a member with; null when it is none.</summary>
    public Guid? Joined => _joined;

    private string Key => grain.GetPrimaryKeyString();

    /// <summary>What a shard's wake call hears: whether the agent has something to be woken for, and where it runs.</summary>
    public WakeAnswer Answer(bool needed) => new(needed, _joined ?? Guid.Empty, here);

    /// <summary>
    /// Before the write that stores <paramref name="next"/>: a session it opens joins the shard first, so a stored open
    /// session always has a member row. A shard that cannot be reached is replaced by the agent's own reminder; when
    /// that fails too, so does the command, and nothing is stored.
    /// </summary>
    public async Task BeforeWriteAsync(AgentState next)
    {
        if (next.Session is not { } open || _joined == open.SessionId)
        {
            return;
        }

        try
        {
            await shard.Join(Key, open.SessionId, here);
            _joined = open.SessionId;
        }
        catch (Exception exception)
        {
            WakeLog.JoinFailed(logger, exception, Key);
            if (await WakeUpReminder.SyncAsync(grain, needed: true, period, logger, Key) is not true)
            {
                throw;
            }

            _reminderHeld = true;
        }
    }

    /// <summary>
    /// After a transition (or the activation): a member while <paramref name="needed"/>, with the open session or, once it
    /// closed, the session it joined with until its events are delivered (<see cref="Guid.Empty"/> for events alone);
    /// otherwise a leave, and the reminder goes if it is held.
    /// </summary>
    public async Task SyncAsync(bool needed, Guid? openSessionId)
    {
        var sessionId = openSessionId ?? _joined ?? Guid.Empty;
        if (needed && _joined != sessionId)
        {
            try
            {
                await shard.Here(Key, sessionId, here);
                _joined = sessionId;
            }
            catch (Exception exception)
            {
                WakeLog.JoinFailed(logger, exception, Key);
                _reminderHeld = await WakeUpReminder.SyncAsync(grain, needed: true, period, logger, Key) ?? _reminderHeld;
                return;
            }
        }
        else if (!needed && _joined is { } joined)
        {
            shard.Leave(Key, joined).Ignore();
            _joined = null;
        }

        if (_reminderHeld && (!needed || _joined is not null))
        {
            // A member, or nothing to wake for: the reminder has done its part.
            _reminderHeld = await WakeUpReminder.SyncAsync(grain, needed: false, period, logger, Key) is not false;
        }
    }

    /// <summary>A tick of a stored wake-up reminder: held until the next sync retires it.</summary>
    public void ReminderTicked() => _reminderHeld = true;

    /// <summary>
    /// The activation goes away: the shard calls it again only if <paramref name="wantsWake"/>. Nothing is sent when no
    /// silo can host the shard (<paramref name="shardPlaceable"/> false: the last silo is stopping): the message could
    /// only fail, once per agent. Nothing is lost: the member's row is stored, and a shard that activates again asks
    /// every member of its range where it runs, which wakes this agent under the recovery rule.
    /// </summary>
    public void Away(bool wantsWake, bool shardPlaceable)
    {
        if (_joined is not null && shardPlaceable)
        {
            shard.Away(Key, here, wantsWake).Ignore();
        }
    }
}
