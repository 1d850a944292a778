using WorkSessions.Storage;

namespace WorkSessions;

/// <summary>
/// A wake shard's writes (docs/architecture.md#timers-and-reminders): joins and leaves that arrive while a write runs
/// go together in the next one, so a start storm costs one write per batch, not one per session. A join's caller waits
/// for the write that holds it; a leave waits for nobody (a lost one leaves a row that the next wake finds has no
/// session, and removes). Runs on the shard's scheduler: no lock.
/// </summary>
internal sealed class WakeBatch(IWakeStore store)
{
    private Dictionary<string, WakeMember> _joins = new(StringComparer.Ordinal);
    private Dictionary<string, WakeMember> _leaves = new(StringComparer.Ordinal);
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _writing;

    /// <summary>Completes once a write that holds the join has committed; throws what that write threw.</summary>
    public Task JoinAsync(WakeMember member)
    {
        _leaves.Remove(member.AgentKey);
        _joins[member.AgentKey] = member;
        var committed = _next.Task;
        Start();
        return committed;
    }

    /// <summary>Queues a leave; a join of the same agent queued earlier and not yet written is dropped when it names the same session.</summary>
    public void Leave(WakeMember member)
    {
        if (_joins.TryGetValue(member.AgentKey, out var joined))
        {
            if (joined.SessionId != member.SessionId)
            {
                return;
            }

            _joins.Remove(member.AgentKey);
        }

        _leaves[member.AgentKey] = member;
        Start();
    }

    private void Start()
    {
        if (!_writing)
        {
            _writing = true;
            _ = WriteAsync();
        }
    }

    private async Task WriteAsync()
    {
        // Yield once, so that callers of the same turn join the batch.
        await Task.Yield();
        while (_joins.Count > 0 || _leaves.Count > 0)
        {
            var (joins, leaves, done) = (_joins, _leaves, _next);
            (_joins, _leaves, _next) = (new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(TaskCreationOptions.RunContinuationsAsynchronously));
            try
            {
                await store.ApplyAsync(joins.Values, leaves.Values, CancellationToken.None);
                done.TrySetResult();
            }
            catch (Exception exception)
            {
                done.TrySetException(exception);
            }
        }

        _writing = false;
    }
}
