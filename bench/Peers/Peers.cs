namespace WorkSessions.Bench.Peers;

/// <summary>The storm's shape every peer is measured in (bench/Suite/PeerStormFigure.cs runs one peer a process).</summary>
public static class Peers
{
    /// <summary>Storm window: every deadline falls within it, as in the product's storm.</summary>
    public static readonly TimeSpan StormWindow = TimeSpan.FromSeconds(0.4);

    /// <summary>Grace period of a peer's storm when none is given (the suite passes the product storm's, bench/Suite/StormFigure.cs).</summary>
    public static readonly TimeSpan StormGrace = TimeSpan.FromSeconds(5);
}
