using System.Collections.Concurrent;
using Orleans.Runtime;

namespace WorkSessions.Storage.Tests.Infrastructure;

/// <summary>A grain whose only job is to own one reminder and report its ticks.</summary>
[Alias("WorkSessions.Storage.Tests.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey
{
    [Alias("Arm")]
    Task Arm(TimeSpan dueTime, TimeSpan period);

    [Alias("Disarm")]
    Task Disarm();
}

public sealed class ReminderProbeGrain(ILocalSiloDetails silo) : Grain, IReminderProbeGrain, IRemindable
{
    public const string ReminderName = "probe";

    public async Task Arm(TimeSpan dueTime, TimeSpan period) => await this.RegisterOrUpdateReminder(ReminderName, dueTime, period);

    public async Task Disarm()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        ReminderProbe.Tick(this.GetPrimaryKeyString(), silo.SiloAddress);
        return Task.CompletedTask;
    }
}

/// <summary>Where probe grains report ticks; process-wide, so every test uses probe keys of its own.</summary>
public static class ReminderProbe
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource<SiloAddress>> Expected = new();

    /// <summary>Completes with the silo that ran the next tick of the probe with this key.</summary>
    public static Task<SiloAddress> NextTick(string key) =>
        Expected.GetOrAdd(key, _ => new TaskCompletionSource<SiloAddress>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    internal static void Tick(string key, SiloAddress silo)
    {
        if (Expected.TryRemove(key, out var waiting))
        {
            waiting.TrySetResult(silo);
        }
    }
}
