using Microsoft.Extensions.Logging;
using WorkSessions.Contracts;
using WorkSessions.Domain;

namespace WorkSessions;

/// <summary>
/// The agent grain's wake-ups (<see cref="IAgentWake"/>, <see cref="IRemindable"/>): its wake shard's call, the tick of a
/// wake-up reminder stored before wake shards, and the outbox timer that hands undelivered report events over again
/// after the session (docs/architecture.md#timers-and-reminders).
/// </summary>
internal sealed partial class AgentGrain
{
    public Task<WakeAnswer> Wake() => Task.FromResult(_wake.Answer(WakeNeeded));

    /// <summary>
    /// A tick of a wake-up reminder stored before wake shards (or kept after a failed join): honoured once as such a
    /// tick was, then retired by joining the shard.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != WakeUpReminder.Name || !silo.IsActive)
        {
            return;
        }

        _wake.ReminderTicked();
        await GrainTasks.QuietlyAsync(CatchUpWithTeamAsync());
        _presence.WatchAgain(leaseWatches, Key);
        // A presence command that failed to store before is given again.
        await GrainTasks.QuietlyAsync(PresenceAsync(_presence.Command(Current)));

        // Ticks may repeat or be missed; checking deadlines against the clock is idempotent.
        await CheckDeadlinesAsync();
        await OnOutboxTimerAsync(CancellationToken.None);
        if (_wake.Joined is not null)
        {
            WakeLog.LegacyReminderRetired(logger, Key);
        }
    }

    /// <summary>
    /// Report events still undelivered a period after they were stored: handed over again (the writer may have refused
    /// them), and once all are delivered with no session open, one write trims them, so a later activation has nothing
    /// to hand over; then the agent leaves its shard.
    /// </summary>
    private async Task OnOutboxTimerAsync(CancellationToken cancellationToken)
    {
        _outboxTimer?.Dispose();
        _outboxTimer = null;
        _state.HandOver();
        if (!WorkSessionMachine.NeedsWakeUps(Current) && _state.HoldsEntries && !_state.HasUndelivered)
        {
            // A failed one leaves them until a later write.
            await GrainTasks.QuietlyAsync(WriteAsync(Current, [], WriteNow));
        }

        await SyncWakeAsync();
    }

    // While a session is open, and until every report event of this agent is delivered.
    private bool WakeNeeded => WorkSessionMachine.NeedsWakeUps(Current) || _state.HasUndelivered;

    private async Task SyncWakeAsync()
    {
        await _wake.SyncAsync(WakeNeeded, Current.Session?.SessionId);
        // While a session is open its next transition hands the outbox over (and trims it); after it, only this timer does.
        if (Current.Session is null && _state.HoldsEntries && _outboxTimer is null)
        {
            _outboxTimer = this.RegisterGrainTimer(OnOutboxTimerAsync, new GrainTimerCreationOptions(options.Value.WakeUpReminderPeriod, Timeout.InfiniteTimeSpan));
        }
    }
}
