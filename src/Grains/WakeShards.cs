namespace WorkSessions;

/// <summary>
/// Which wake shard holds an agent (docs/architecture.md#timers-and-reminders): shard <c>s</c> of <c>N</c> holds the
/// agents whose grain-id uniform hash <c>h</c> has <c>(h * N) &gt;&gt; 32 == s</c>, a contiguous range of the hash ring,
/// so a shard reads its members by range and changing N moves no row.
/// </summary>
internal static class WakeShards
{
    /// <summary>The shard grain's key: the count and the index, so silos configured with different counts never share one.</summary>
    public static string KeyOf(int count, int index) => $"{count}/{index}";

    /// <summary>The shard that holds the agent grain <paramref name="agent"/>.</summary>
    public static string KeyOf(int count, GrainId agent) => KeyOf(count, IndexOf(count, agent.GetUniformHashCode()));

    /// <summary>The shard index of a hash.</summary>
    public static int IndexOf(int count, uint hash) => (int)(((ulong)hash * (ulong)count) >> 32);

    /// <summary>The hash range <c>[first, last]</c> of shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    public static (uint First, uint Last) RangeOf(int count, int index)
    {
        static ulong Start(int count, long index) => (((ulong)index << 32) + (ulong)count - 1) / (ulong)count;
        return ((uint)Start(count, index), (uint)(Start(count, index + 1) - 1));
    }

    /// <summary>Parses a shard key into its count and index.</summary>
    public static (int Count, int Index) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return (int.Parse(key.AsSpan(0, slash), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(key.AsSpan(slash + 1), System.Globalization.CultureInfo.InvariantCulture));
    }

    public static IWakeShard GetWakeShard(this IGrainFactory grains, int count, GrainId agent) => GrainReferences<IWakeShard>.Get(grains, KeyOf(count, agent));

    public static IAgentWake GetAgentWake(this IGrainFactory grains, string agentKey) => GrainReferences<IAgentWake>.Get(grains, agentKey);
}
