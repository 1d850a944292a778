using Microsoft.Extensions.Logging;

namespace WorkSessions;

/// <summary>What the wake shards and the agents' side of them log.</summary>
internal static partial class WakeLog
{
    [LoggerMessage(LogLevel.Information, "Wake shard {Shard} active with {Members} members")]
    public static partial void ShardActivated(ILogger logger, string shard, int members);

    [LoggerMessage(LogLevel.Information, "Wake shard {Shard} called {Agents} agents that may have been stranded ({Failures} failed)")]
    public static partial void Scanned(ILogger logger, string shard, int agents, int failures);

    [LoggerMessage(LogLevel.Warning, "Wake shard {Shard}: {Failures} calls failed; the next scan tries again")]
    public static partial void PingsFailed(ILogger logger, Exception? exception, string shard, int failures);

    [LoggerMessage(LogLevel.Warning, "Agent {Agent} could not join its wake shard; it keeps a wake-up reminder of its own until it can")]
    public static partial void JoinFailed(ILogger logger, Exception exception, string agent);

    [LoggerMessage(LogLevel.Information, "Agent {Agent} retired its wake-up reminder and joined its wake shard")]
    public static partial void LegacyReminderRetired(ILogger logger, string agent);
}
