using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Microsoft.Extensions.Options;
using WorkSessions.Hosting;
using WorkSessions.Storage;

namespace WorkSessions;

/// <summary>
/// One wake shard (docs/architecture.md#timers-and-reminders): the agents of a hash range that have an open session or
/// undelivered report events, and where each one's activation runs. It calls an agent only when that agent may be
/// stranded — its silo left the cluster, it went away with something due, or the shard does not know where it runs
/// (right after the shard itself activated) — so a steady cluster makes no call for wake-ups at all. One durable
/// reminder per shard brings a shard lost with its silo back within failure detection plus one period; a grain timer
/// scans every <see cref="WorkSessionsOptions.WakeScanPeriod"/> while it is up. Reentrant: joins, pings and the
/// activations they cause interleave; every step is idempotent.
/// </summary>
[GrainType("wake-shard"), Reentrant]
internal sealed partial class WakeShardGrain(
    IWakeStore store,
    IClusterMembershipService membership,
    IOptions<WorkSessionsOptions> options,
    ILogger<WakeShardGrain> logger) : Grain, IWakeShard, IRemindable
{
    internal const string ReminderName = "wake-shard";

    // How many agents a scan calls at once.
    private const int PingConcurrency = 64;

    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly WakeBatch _batch = new(store);
    private IGrainTimer? _scanTimer;
    private bool _scanning;
    private bool _scanAgain;
    private int _count;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_count, var index) = WakeShards.Parse(this.GetPrimaryKeyString());
        if (_count != options.Value.WakeShards)
        {
            // Configured with another count: the shards of the current count read the same rows by range.
            await QuietlyUnregisterAsync();
            DeactivateOnIdle();
            return;
        }

        var (first, last) = WakeShards.RangeOf(_count, index);
        foreach (var member in await store.ReadRangeAsync(first, last, cancellationToken))
        {
            // Where they run is unknown: the first scan asks each of them.
            _members.TryAdd(member.AgentKey, new Member(member.SessionId, member.AgentHash));
        }

        WakeLog.ShardActivated(logger, this.GetPrimaryKeyString(), _members.Count);
        await this.RegisterOrUpdateReminder(ReminderName, options.Value.WakeUpReminderPeriod, options.Value.WakeUpReminderPeriod);
        _scanTimer = this.RegisterGrainTimer(
            _ => ScanAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, options.Value.WakeScanPeriod) { KeepAlive = true, Interleave = true });
    }

    public async Task Join(string agentKey, Guid sessionId, WakeLocation at)
    {
        var hash = GrainIdOf(agentKey).GetUniformHashCode();
        _members[agentKey] = new Member(sessionId, hash) { At = at };
        await _batch.JoinAsync(new WakeMember(agentKey, hash, sessionId));
    }

    public async Task Here(string agentKey, Guid sessionId, WakeLocation at)
    {
        if (_members.TryGetValue(agentKey, out var member) && member.SessionId == sessionId)
        {
            member.At = at;
            member.Away = false;
            return;
        }

        // Not known here (a member from before wake shards, or a join this shard lost): stored now.
        await Join(agentKey, sessionId, at);
    }

    public Task Away(string agentKey, WakeLocation at, bool wantsWake)
    {
        if (_members.TryGetValue(agentKey, out var member) && member.At == at)
        {
            member.At = null;
            member.Away = true;
            member.WantsWake = wantsWake;
        }

        return Task.CompletedTask;
    }

    public Task Leave(string agentKey, Guid sessionId)
    {
        if (_members.TryGetValue(agentKey, out var member) && member.SessionId == sessionId)
        {
            _members.Remove(agentKey);
        }

        _batch.Leave(new WakeMember(agentKey, 0, sessionId));
        return Task.CompletedTask;
    }

    public Task Poke() => ScanAsync();

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        _count != options.Value.WakeShards ? QuietlyUnregisterAsync() : ScanAsync();

    /// <summary>Members due a call now: on a silo that is gone, away with something due, or where they run unknown.</summary>
    internal List<KeyValuePair<string, Member>> Stranded()
    {
        var snapshot = membership.CurrentSnapshot;
        return [.. _members.Where(entry => entry.Value switch
        {
            { Away: true } away => away.WantsWake,
            { At: null } => true,
            { At: { } at } => snapshot.GetSiloStatus(at.Silo) is SiloStatus.Dead or SiloStatus.None,
        })];
    }

    /// <summary>One scan at a time; a scan asked for while one runs runs once more after it.</summary>
    private async Task ScanAsync()
    {
        if (_scanning)
        {
            _scanAgain = true;
            return;
        }

        _scanning = true;
        try
        {
            do
            {
                _scanAgain = false;
                await PingAsync(Stranded());
            }
            while (_scanAgain);
        }
        finally
        {
            _scanning = false;
        }
    }

    private async Task PingAsync(List<KeyValuePair<string, Member>> stranded)
    {
        if (stranded.Count == 0)
        {
            return;
        }

        var next = 0;
        var failures = 0;
        Exception? firstFailure = null;
        async Task WorkAsync()
        {
            while (next < stranded.Count)
            {
                var (agentKey, member) = stranded[next++];
                try
                {
                    var answer = await GrainFactory.GetAgentWake(agentKey).Wake();
                    if (!_members.TryGetValue(agentKey, out var current) || !ReferenceEquals(current, member))
                    {
                        // Joined again or left while the call ran: the newer news wins.
                        continue;
                    }

                    if (!answer.Needed)
                    {
                        _ = Leave(agentKey, member.SessionId);
                        continue;
                    }

                    member.At = answer.At;
                    member.Away = false;
                }
                catch (Exception exception)
                {
                    // The next scan tries again.
                    failures++;
                    firstFailure ??= exception;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(PingConcurrency, stranded.Count)).Select(_ => WorkAsync()));
        WakeLog.Scanned(logger, this.GetPrimaryKeyString(), stranded.Count, failures);
        if (failures > 0)
        {
            WakeLog.PingsFailed(logger, firstFailure, this.GetPrimaryKeyString(), failures);
        }
    }

    private async Task QuietlyUnregisterAsync()
    {
        try
        {
            if (await this.GetReminder(ReminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception exception)
        {
            WakeLog.PingsFailed(logger, exception, this.GetPrimaryKeyString(), 0);
        }
    }

    private GrainId GrainIdOf(string agentKey) => GrainFactory.GetAgentWake(agentKey).GetGrainId();

    /// <summary>A member as the shard knows it: the session it joined with, and where it runs when known.</summary>
    internal sealed class Member(Guid sessionId, uint hash)
    {
        public Guid SessionId { get; } = sessionId;

        public uint Hash { get; } = hash;

        /// <summary>Where its activation runs; null when unknown or away.</summary>
        public WakeLocation? At { get; set; }

        /// <summary>Its last activation went away (deactivated), and none has said where it runs since.</summary>
        public bool Away { get; set; }

        /// <summary>It went away with a deadline armed or report events undelivered.</summary>
        public bool WantsWake { get; set; }
    }
}
